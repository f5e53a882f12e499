"""The sandbox certificate authority: one root per data directory, and the certificates it issues.

Real wallets refuse plain http, and OpenID4VP's ``x509_san_dns`` / ``x509_hash`` client
identifiers need a verifier certificate that chains to a root the wallet trusts. The sandbox
cannot get such a certificate from a public authority for ``127.0.0.1``, so it has its own root,
which a wallet, a phone or a browser is told to trust (``pctf-sandbox ca export``), and issues
leaves under it: the server certificate of ``pctf-sandbox up --tls``, and certificates that sign
request objects.

The root (EC P-256, ``CA:true``, path length 0) is created once into ``DATA_DIR/ca/`` and reused
afterwards: ``root.key`` (mode 0600) and ``root.pem`` (0644). Both are written into a fresh
directory beside it that is then renamed into place: a rename onto a directory that already has
content fails, so two processes creating the root at the same moment agree on one (the loser
reads the winner's), and nobody ever reads a root without its key or half a file. A verifier's
signing leaf is kept beside it (:meth:`SandboxCA.signing_leaf`), so that its ``x509_hash``
client identifier outlives a restart.

:func:`trust_context` is the one TLS trust of the sandbox's own clients: the system's and
certifi's roots, and this data directory's root when it has one. Nothing here turns
verification off.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import os
import re
import shutil
import ssl
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT_NAME = "PCTF Sandbox Root CA"
ORGANIZATION = "PCTF Sandbox"
CA_DIR = "ca"
ROOT_CERT = "root.pem"
ROOT_KEY = "root.key"
ROOT_DAYS = 3650
# Apple platforms refuse TLS server certificates valid for more than 825 days, whatever their root.
LEAF_DAYS = 365
# A kept signing leaf with less than this left is replaced (a request signed now stays verifiable).
SIGNING_RENEWAL = dt.timedelta(days=30)
Usage = Literal["server", "signing"]


def fingerprint(certificate: x509.Certificate) -> str:
    """The SHA-256 fingerprint of a certificate's DER, as ``openssl x509 -fingerprint -sha256`` prints it."""
    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def x509_hash(certificate: x509.Certificate) -> str:
    """The base64url SHA-256 of a certificate's DER (OpenID4VP 1.0 5.9.3, ``x509_hash``)."""
    digest = hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _general_name(name: str) -> x509.GeneralName:
    """An IP address SAN for an address (``::1``, ``[::1]``), a DNS name SAN for anything else."""
    try:
        return x509.IPAddress(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        return x509.DNSName(name.lower().rstrip("."))


def _now() -> dt.datetime:
    # A few minutes back: a peer whose clock is slightly behind still accepts a fresh certificate.
    return dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Leaf:
    """A certificate the sandbox CA issued, its private key, and the chain up to the root."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    root: x509.Certificate

    @property
    def chain(self) -> tuple[x509.Certificate, x509.Certificate]:
        return (self.certificate, self.root)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def chain_pem(self) -> bytes:
        """The leaf then the root, in PEM: what a TLS server sends (``ssl_certfile``)."""
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in self.chain)

    def x5c(self, *, root: bool = True) -> list[str]:
        """The chain as a JOSE ``x5c`` header: base64 (not base64url) DER, the leaf first (RFC 7515
        4.1.6); without the root when ``root`` is false, as a signed request object carries it
        (the wallet holds the root already, and a root in the header proves nothing)."""
        chain = self.chain if root else self.chain[:-1]
        return [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode("ascii") for c in chain]

    def x509_hash(self) -> str:
        """The base64url SHA-256 of the leaf's DER: the value of an OpenID4VP ``x509_hash:`` client identifier."""
        return x509_hash(self.certificate)


class SandboxCA:
    """The root of one data directory (:meth:`open` creates it on first use) and what it issues."""

    def __init__(self, directory: Path, key: ec.EllipticCurvePrivateKey, root: x509.Certificate) -> None:
        self.directory = directory
        self.key = key
        self.root = root

    @property
    def root_path(self) -> Path:
        return self.directory / ROOT_CERT

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.root)

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    @classmethod
    def open(cls, data_dir: Path) -> SandboxCA:
        """The root in ``data_dir/ca/``, created there when there is none yet."""
        directory = data_dir / CA_DIR
        if not (directory / ROOT_CERT).exists():
            _create_root(data_dir, directory)
        key = serialization.load_pem_private_key((directory / ROOT_KEY).read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{directory / ROOT_KEY} is not an EC private key")
        return cls(directory, key, x509.load_pem_x509_certificate((directory / ROOT_CERT).read_bytes()))

    def issue_leaf(
        self,
        names: Iterable[str],
        key: ec.EllipticCurvePrivateKey | None = None,
        usage: Usage = "server",
        days: int = LEAF_DAYS,
    ) -> Leaf:
        """A certificate for ``names`` (DNS names and IP addresses; the first is its common name),
        for ``key`` (a new P-256 key when None). ``server``: a TLS server (``serverAuth``);
        ``signing``: a signer of documents such as request objects (digital signature only)."""
        names = list(dict.fromkeys(n for n in names if n))
        if not names:
            raise ValueError("a certificate needs at least one DNS name or IP address")
        if usage not in ("server", "signing"):
            raise ValueError(f"unknown certificate usage {usage!r} (server or signing)")
        key = key or ec.generate_private_key(ec.SECP256R1())
        start = _now()
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(names[0].strip("[]")))
            .issuer_name(self.root.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(min(start + dt.timedelta(days=days), self.root.not_valid_after_utc))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
        )
        if usage == "server":
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        return Leaf(key, builder.sign(self.key, hashes.SHA256()), self.root)

    def signing_leaf(self, name: str) -> Leaf:
        """The leaf that signs documents (OpenID4VP request objects) as ``name``, kept in
        ``ca/signing-<name>.pem`` (its key and certificate, mode 0600): the same certificate, so the
        same ``x509_hash`` client identifier, after a restart and in every process that shares the
        data directory. A new one is issued when there is none, or when the one kept no longer
        chains to this root, no longer names ``name``, or has less than :data:`SIGNING_RENEWAL`
        left. The first one is linked into place, which fails when another process got there
        first (the loser reads the winner's); a renewal replaces the file whole."""
        path = self.directory / f"signing-{re.sub(r'[^A-Za-z0-9.-]', '_', name.strip('[]'))}.pem"
        kept = self._kept_leaf(path, name)
        if kept is not None:
            return kept
        leaf = self.issue_leaf([name], usage="signing")
        data = leaf.key_pem() + leaf.certificate.public_bytes(serialization.Encoding.PEM)
        if path.exists():
            _write_replacing(path, data, 0o600)
            return leaf
        staging = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        staging.unlink(missing_ok=True)
        try:
            _write_new(staging, data, 0o600)
            os.link(staging, path)
        except FileExistsError:
            return self._kept_leaf(path, name) or leaf
        finally:
            staging.unlink(missing_ok=True)
        return leaf

    def _kept_leaf(self, path: Path, name: str) -> Leaf | None:
        """The signing leaf kept at ``path`` when it is still fit to sign as ``name`` (see :meth:`signing_leaf`)."""
        try:
            text = path.read_bytes()
            key = serialization.load_pem_private_key(_pem_block(text, b"PRIVATE KEY"), password=None)
            certificate = x509.load_pem_x509_certificate(_pem_block(text, b"CERTIFICATE"))
            certificate.verify_directly_issued_by(self.root)
            names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except (OSError, ValueError, TypeError, x509.ExtensionNotFound, InvalidSignature):
            return None
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != certificate.public_key():
            return None
        if _general_name(name) not in names or certificate.not_valid_after_utc - _now() <= SIGNING_RENEWAL:
            return None
        return Leaf(key, certificate, self.root)

    def write_server_files(self, names: Iterable[str]) -> tuple[Path, Path]:
        """A fresh server leaf for ``names`` written as ``ca/server.key`` (0600) and
        ``ca/server.pem`` (the chain), for a TLS server that reads files; returns (key, chain)."""
        leaf = self.issue_leaf(names, usage="server")
        key_path, chain_path = self.directory / "server.key", self.directory / "server.pem"
        _write_replacing(key_path, leaf.key_pem(), 0o600)
        _write_replacing(chain_path, leaf.chain_pem(), 0o644)
        return key_path, chain_path


def _create_root(data_dir: Path, directory: Path) -> None:
    """A new root, written into a directory of its own and renamed to ``directory``; when another
    process got there first its root stays and this one is thrown away."""
    data_dir.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    start = _now()
    name = _name(ROOT_NAME)
    root = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=ROOT_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    staging = Path(tempfile.mkdtemp(prefix=".ca-", dir=data_dir))
    try:
        _write_new(
            staging / ROOT_KEY,
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
            0o600,
        )
        _write_new(staging / ROOT_CERT, root.public_bytes(serialization.Encoding.PEM), 0o644)
        os.chmod(staging, 0o755)
        try:
            os.rename(staging, directory)
        except OSError:
            if not (directory / ROOT_CERT).exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _pem_block(text: bytes, label: bytes) -> bytes:
    """The first PEM block of ``text`` labelled ``label`` (``ValueError`` when there is none)."""
    begin, end = b"-----BEGIN " + label + b"-----", b"-----END " + label + b"-----"
    start = text.find(begin)
    stop = text.find(end, start)
    if start < 0 or stop < 0:
        raise ValueError(f"no {label.decode()} in the file")
    return text[start : stop + len(end)] + b"\n"


def _write_new(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), mode)  # whatever the umask
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _write_replacing(path: Path, data: bytes, mode: int) -> None:
    """Write ``path`` whole (a temporary file renamed over it): a reader never sees half of it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        _write_new(tmp, data, mode)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def root_path(data_dir: Path) -> Path:
    """Where ``data_dir``'s root certificate is (whether or not it exists yet)."""
    return data_dir / CA_DIR / ROOT_CERT


_contexts: dict[tuple[str, int, int], ssl.SSLContext] = {}
_contexts_lock = threading.Lock()


def trust_context(data_dir: Path) -> ssl.SSLContext:
    """The TLS trust of the sandbox's own HTTP clients: the system's roots and certifi's, and the
    sandbox root of ``data_dir`` when it has one. Built once per root and shared (an
    ``SSLContext`` is safe to share between clients); hostname checks and certificate
    verification stay on. A client trusts the root as it was when the client was made: create
    the root (:meth:`SandboxCA.open`) before the clients that must trust it."""
    path = root_path(data_dir)
    try:
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
    except OSError:
        key = ("", 0, 0)
    with _contexts_lock:
        context = _contexts.get(key)
        if context is None:
            import certifi

            context = ssl.create_default_context()
            context.load_verify_locations(cafile=certifi.where())
            if key[0]:
                context.load_verify_locations(cafile=key[0])
            _contexts[key] = context
        return context
