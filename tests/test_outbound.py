"""The client for URLs that strangers supply (pctf.outbound): each rule of its policy.

Nothing here sends a packet beyond loopback. Refusals are checked with an injected resolver and a
transport that fails the test if it is ever asked to connect; allowed requests go to a uvicorn
server on 127.0.0.1, through a transport that refuses anything but a loopback address.
"""

from __future__ import annotations

import asyncio
import datetime
import gzip
import ipaddress
import socket
import ssl
from contextlib import contextmanager

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from cli.stack import free_port
from pctf.http import fetch_text, send
from pctf.outbound import MAX_REDIRECTS, outbound_client
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from tests.support import serve

PUBLIC = "93.184.216.34"


# -- the test network: resolver, transports, a loopback server --------------------------------
def resolver(table: dict[str, list[str]]):
    """A resolver answering from ``table`` (a name missing from it does not resolve), counting calls."""

    def resolve(host: str) -> list[str]:
        resolve.calls.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    resolve.calls = []
    return resolve


class NoConnection(httpx.BaseTransport):
    """Fails the test if a request gets as far as connecting."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        pytest.fail(f"a connection to {request.url} was attempted")


class FakeNetwork(httpx.BaseTransport):
    """Answers with ``handler`` and records where each request was sent, its Host and TLS name."""

    def __init__(self, handler=lambda request: httpx.Response(200, json={})) -> None:
        self.handler, self.sent = handler, []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.url.host, request.headers["host"], request.extensions.get("sni_hostname")))
        return self.handler(request)


class LoopbackOnly(httpx.HTTPTransport):
    """A real transport that refuses, before connecting, anything but a loopback address."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert ipaddress.ip_address(request.url.host).is_loopback, f"{request.url} is not on loopback"
        return super().handle_request(request)


def settings_for(tmp_path, *, local: bool, public_url: str = "https://sandbox.example", **urls) -> Settings:
    return Settings(data_dir=tmp_path / "data", local_mode=local, public_url=public_url, **urls)


def client(settings: Settings, *, table: dict[str, list[str]] | None = None, transport=None, **kwargs) -> httpx.Client:
    return outbound_client(settings, resolver=resolver(table or {}), transport=transport or LoopbackOnly(), **kwargs)


def refused(call) -> SandboxError:
    with pytest.raises(SandboxError) as caught:
        call()
    assert caught.value.reason == Reason.URL_NOT_ALLOWED and caught.value.status_code == 400
    assert "is not a URL this service may fetch" in caught.value.message
    return caught.value


app = FastAPI()


@app.get("/hello")
def hello(request: Request):
    return {"host": request.headers["host"], "cookie": request.headers.get("cookie")}


@app.get("/redirect/{hops}")
def redirect(hops: int):
    return RedirectResponse(f"/redirect/{hops - 1}" if hops > 1 else "/hello", status_code=302)


@app.get("/to")
def redirect_to(target: str):
    return RedirectResponse(target, status_code=302)


@app.get("/big")
def big(size: int):
    return Response(b"x" * size, media_type="application/octet-stream")


@app.get("/stream")
def stream(size: int):
    return StreamingResponse(iter([b"x" * 100] * (size // 100)), media_type="application/octet-stream")


@app.get("/gzip")
def compressed():
    return Response(gzip.compress(b"0" * 100_000), headers={"content-encoding": "gzip"})


@app.get("/cookie")
def cookie():
    response = JSONResponse({})
    response.set_cookie("session", "stranger")
    return response


@app.get("/slow")
async def slow():
    await asyncio.sleep(2)
    return {}


@pytest.fixture(scope="module")
def server():
    with serve(app, loopback=True) as served:
        yield served.url


# -- addresses --------------------------------------------------------------------------------
NOT_PUBLIC = [
    "10.0.0.5",
    "172.16.3.4",
    "192.168.1.1",  # RFC 1918
    "127.0.0.1",
    "::1",  # loopback, outside local mode
    "169.254.169.254",
    "169.254.1.1",
    "fe80::1",  # link-local, cloud metadata
    "100.64.0.1",  # shared address space (carrier-grade NAT)
    "0.0.0.0",
    "::",  # unspecified
    "224.0.0.1",
    "ff02::1",  # multicast
    "240.0.0.1",
    "255.255.255.255",  # reserved, broadcast
    "fc00::1",
    "fd12:3456::1",  # unique-local
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::a9fe:a9fe",  # IPv4-compatible 169.254.169.254
    "64:ff9b::a9fe:a9fe",
    "2002:a9fe:a9fe::1",  # NAT64, 6to4 of 169.254.169.254
]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_a_host_resolving_to_an_address_that_is_not_public_is_refused_without_connecting(tmp_path, address):
    with client(
        settings_for(tmp_path, local=False), table={"victim.example": [address]}, transport=NoConnection()
    ) as http:
        error = refused(lambda: http.get("https://victim.example/admin"))
    assert error.message.startswith("https://victim.example/admin ")


@pytest.mark.parametrize("address", ["169.254.169.254", "10.0.0.5", "[fd00::1]", "[::ffff:169.254.169.254]"])
def test_an_address_in_the_url_is_checked_without_asking_the_resolver(tmp_path, address):
    resolve = resolver({})
    with outbound_client(settings_for(tmp_path, local=False), resolver=resolve, transport=NoConnection()) as http:
        refused(lambda: http.get(f"https://{address}/latest/meta-data/"))
    assert resolve.calls == []


def test_one_private_address_among_public_ones_is_enough_to_refuse(tmp_path):
    with client(
        settings_for(tmp_path, local=False), table={"mixed.example": [PUBLIC, "10.0.0.5"]}, transport=NoConnection()
    ) as http:
        refused(lambda: http.get("https://mixed.example/"))


def test_a_public_address_is_allowed(tmp_path):
    network = FakeNetwork()
    with client(settings_for(tmp_path, local=False), table={"issuer.example": [PUBLIC]}, transport=network) as http:
        assert http.get("https://issuer.example/meta").status_code == 200
    assert network.sent == [(PUBLIC, "issuer.example", "issuer.example")]


def test_an_unsupported_scheme_is_refused(tmp_path):
    with client(
        settings_for(tmp_path, local=True), table={"issuer.example": [PUBLIC]}, transport=NoConnection()
    ) as http:
        with pytest.raises((SandboxError, httpx.UnsupportedProtocol)):
            http.get("ftp://issuer.example/offer")


# -- http -------------------------------------------------------------------------------------
@pytest.mark.parametrize("local", [False, True])
def test_http_to_a_public_host_is_refused(tmp_path, local):
    resolve = resolver({"issuer.example": [PUBLIC]})
    with outbound_client(settings_for(tmp_path, local=local), resolver=resolve, transport=NoConnection()) as http:
        refused(lambda: http.get("http://issuer.example/offer"))
    assert resolve.calls == (["issuer.example"] if local else [])  # outside local mode: refused before DNS


def test_http_to_loopback_is_allowed_in_local_mode(tmp_path, server):
    port = httpx.URL(server).port
    with client(
        settings_for(tmp_path, local=True, public_url="http://127.0.0.1:1"), table={"wallet.test": ["127.0.0.1"]}
    ) as http:
        assert http.get(f"{server}/hello").json()["host"] == f"127.0.0.1:{port}"
        # a name resolving to loopback: the connection goes to 127.0.0.1, the Host header keeps the name
        assert http.get(f"http://wallet.test:{port}/hello").json()["host"] == f"wallet.test:{port}"


def test_loopback_is_refused_outside_local_mode(tmp_path, server):
    port = httpx.URL(server).port
    with client(
        settings_for(tmp_path, local=False), table={"wallet.test": ["127.0.0.1"]}, transport=NoConnection()
    ) as http:
        refused(lambda: http.get(f"{server}/hello"))
        refused(lambda: http.get(f"https://127.0.0.1:{port}/hello"))
        refused(lambda: http.get(f"https://wallet.test:{port}/hello"))


def test_http_to_a_private_address_is_refused_even_in_local_mode(tmp_path):
    with client(
        settings_for(tmp_path, local=True), table={"nas.lan": ["192.168.1.20"]}, transport=NoConnection()
    ) as http:
        refused(lambda: http.get("http://nas.lan/"))
        refused(lambda: http.get("https://nas.lan/"))


# -- the sandbox's own services ---------------------------------------------------------------
def test_a_configured_service_origin_is_allowed_even_when_private(tmp_path):
    network = FakeNetwork()
    settings = settings_for(tmp_path, local=False, issuers_url="http://issuers:8600")
    with client(settings, table={"issuers": ["10.0.0.7"]}, transport=network) as http:
        assert http.get("http://issuers:8600/issuers/prov1/offers/1").status_code == 200
        refused(lambda: http.get("http://issuers:8601/issuers/prov1/offers/1"))  # not the configured origin
        refused(lambda: http.get("https://issuers/"))
    assert network.sent == [("issuers", "issuers:8600", None)]  # sent as configured, resolved by the platform


def test_a_configured_loopback_origin_is_reached_outside_local_mode(tmp_path, server):
    settings = settings_for(tmp_path, local=False, public_url=server)
    assert not settings.is_local
    with client(settings) as http:
        assert http.get(f"{server}/hello").status_code == 200
        other = f"http://127.0.0.1:{free_port()}/hello"
        refused(lambda: http.get(other))


# -- DNS rebinding ----------------------------------------------------------------------------
def test_the_connection_goes_to_the_address_that_was_checked(tmp_path):
    answers = iter([[PUBLIC], ["127.0.0.1"], ["169.254.169.254"]])
    calls = []

    def rebinding(host: str) -> list[str]:
        calls.append(host)
        return next(answers)

    network = FakeNetwork()
    with outbound_client(settings_for(tmp_path, local=False), resolver=rebinding, transport=network) as http:
        assert http.get("https://rebind.example/offer").status_code == 200
    assert calls == ["rebind.example"]  # resolved once, for the check
    assert network.sent == [(PUBLIC, "rebind.example", "rebind.example")]


def test_the_next_checked_address_is_tried_when_one_cannot_be_connected_to(tmp_path):
    def handler(request):
        if request.url.host == "2606:2800:220:1:248:1893:25c8:1946":
            raise httpx.ConnectError("network unreachable", request=request)
        return httpx.Response(200, json={})

    network = FakeNetwork(handler)
    with client(
        settings_for(tmp_path, local=False),
        transport=network,
        table={"dual.example": ["2606:2800:220:1:248:1893:25c8:1946", PUBLIC]},
    ) as http:
        assert http.get("https://dual.example/").status_code == 200
    assert [host for host, _, _ in network.sent] == ["2606:2800:220:1:248:1893:25c8:1946", PUBLIC]


def _self_signed(directory, name: str) -> tuple[str, str]:
    """A certificate for ``name`` (its own issuer) and its key, as PEM files in ``directory``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = directory / "cert.pem", directory / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(certfile), str(keyfile)


@contextmanager
def serving_tls(certfile: str, keyfile: str):
    """``app`` over TLS on 127.0.0.1 (a free port); yields the port."""
    with serve(app, loopback=True, ssl_certfile=certfile, ssl_keyfile=keyfile) as served:
        yield int(served.url.rsplit(":", 1)[1])


def test_https_to_the_checked_address_verifies_the_certificate_for_the_original_name(tmp_path):
    certfile, keyfile = _self_signed(tmp_path, "issuer.test")
    trust = ssl.create_default_context(cafile=certfile)
    table = {"issuer.test": ["127.0.0.1"], "impostor.test": ["127.0.0.1"]}
    with (
        serving_tls(certfile, keyfile) as port,
        client(settings_for(tmp_path, local=True), table=table, transport=LoopbackOnly(verify=trust)) as http,
    ):
        assert http.get(f"https://issuer.test:{port}/hello").json()["host"] == f"issuer.test:{port}"
        with pytest.raises(httpx.ConnectError):  # same address, but the certificate is not impostor.test's
            http.get(f"https://impostor.test:{port}/hello")
        with pytest.raises(SandboxError) as caught:
            send(http, "GET", f"https://impostor.test:{port}/hello")
    assert caught.value.message == f"https://impostor.test:{port}/hello could not be fetched"


# -- redirects --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "target",
    ["https://internal.example/secret", "http://169.254.169.254/latest/meta-data/", "https://[::ffff:10.0.0.1]/"],
)
def test_a_redirect_to_a_private_address_is_refused_at_the_hop(tmp_path, target):
    network = FakeNetwork(lambda request: httpx.Response(302, headers={"location": target}))
    with client(
        settings_for(tmp_path, local=False),
        transport=network,
        table={"public.example": [PUBLIC], "internal.example": ["10.0.0.9"]},
    ) as http:
        error = refused(lambda: http.get("https://public.example/offer"))
    assert error.message.startswith(target)
    assert [host for host, _, _ in network.sent] == [PUBLIC]


def test_a_redirect_from_loopback_to_a_private_address_is_refused(tmp_path, server):
    with client(settings_for(tmp_path, local=True, public_url="http://127.0.0.1:1")) as http:
        refused(lambda: http.get(f"{server}/to", params={"target": "http://10.0.0.1/"}))
        assert http.get(f"{server}/to", params={"target": f"{server}/hello"}).status_code == 200


def test_at_most_three_redirects_are_followed(tmp_path, server):
    assert MAX_REDIRECTS == 3
    with client(settings_for(tmp_path, local=True, public_url="http://127.0.0.1:1")) as http:
        assert http.get(f"{server}/redirect/3").status_code == 200
        with pytest.raises(httpx.TooManyRedirects):
            http.get(f"{server}/redirect/4")
        with pytest.raises(SandboxError) as caught:
            send(http, "GET", f"{server}/redirect/4")
    assert caught.value.reason == Reason.ENDPOINT_UNREACHABLE


# -- bodies -----------------------------------------------------------------------------------
def test_an_oversized_body_is_refused(tmp_path, server):
    settings = settings_for(tmp_path, local=True, public_url="http://127.0.0.1:1")
    with client(settings) as http:
        assert len(http.get(f"{server}/big", params={"size": 1024 * 1024}).content) == 1024 * 1024
        with pytest.raises(SandboxError) as caught:  # announced in Content-Length: refused before reading
            send(http, "GET", f"{server}/big", params={"size": 1024 * 1024 + 1})
    assert caught.value.status_code == 502 and "answered more than 1048576 bytes" in caught.value.message
    with client(settings, max_body_bytes=1000) as http:
        assert len(http.get(f"{server}/stream", params={"size": 1000}).content) == 1000
        with pytest.raises(SandboxError, match="answered more than 1000 bytes"):  # chunked: cut off at the cap
            http.get(f"{server}/stream", params={"size": 1100})
        with http.stream("GET", f"{server}/stream", params={"size": 5000}) as response:
            with pytest.raises(SandboxError, match="answered more than 1000 bytes"):
                for _ in response.iter_bytes():
                    pass


def test_a_compressed_body_is_refused_as_it_could_expand_past_the_cap(tmp_path, server):
    with client(settings_for(tmp_path, local=True, public_url="http://127.0.0.1:1"), max_body_bytes=1000) as http:
        assert http.build_request("GET", server).headers["accept-encoding"] == "identity"
        with pytest.raises(SandboxError, match="gzip-encoded body"):
            http.get(f"{server}/gzip")


def test_cookies_from_one_answer_are_not_sent_with_the_next_request(tmp_path, server):
    with client(settings_for(tmp_path, local=True, public_url="http://127.0.0.1:1")) as http:
        assert "set-cookie" in http.get(f"{server}/cookie").headers
        assert http.get(f"{server}/hello").json()["cookie"] is None


def test_options_that_would_route_around_the_policy_are_rejected(tmp_path):
    for option in ({"proxy": "http://proxy.example:3128"}, {"mounts": {"all://": httpx.HTTPTransport()}}):
        with pytest.raises(TypeError):
            outbound_client(settings_for(tmp_path, local=False), **option)


# -- failures say nothing about the network ---------------------------------------------------
def _failure(http: httpx.Client, url: str, **kwargs) -> SandboxError:
    with pytest.raises(SandboxError) as caught:
        send(http, "GET", url, **kwargs)
    assert caught.value.reason == Reason.ENDPOINT_UNREACHABLE and caught.value.status_code == 502
    return caught.value


def test_refused_timed_out_unresolvable_and_reset_targets_give_the_same_error(tmp_path, server):
    settings = settings_for(tmp_path, local=True, public_url="http://127.0.0.1:1")
    closed = f"http://127.0.0.1:{free_port()}/offer"  # nothing listens: connection refused
    with client(settings, timeout=0.3) as http:
        failures = {
            "refused": (_failure(http, closed), closed),
            "timed out": (_failure(http, f"{server}/slow"), f"{server}/slow"),
            "unresolvable": (_failure(http, "https://nowhere.example/offer"), "https://nowhere.example/offer"),
        }

    def broken(request):
        raise {
            "reset.example": httpx.ReadError("[Errno 104] Connection reset by peer"),
            "tls.example": httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
        }[request.headers["host"]]

    with client(
        settings_for(tmp_path, local=False),
        transport=FakeNetwork(broken),
        table={"reset.example": [PUBLIC], "tls.example": [PUBLIC]},
    ) as http:
        for name in ("reset", "tls"):
            url = f"https://{name}.example/offer"
            failures[name] = (_failure(http, url), url)

    shapes = {error.message.replace(url, "<url>") for error, url in failures.values()}
    assert shapes == {"<url> could not be fetched"}
    for error, url in failures.values():
        for detail in ("Errno", "refused", "reset", "timed", "Timeout", "Error", "SSL", "resolve"):
            assert detail not in error.message.replace(url, "")


def test_fetch_text_failures_say_nothing_about_the_network_either(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/statuslists/1"
    with client(settings_for(tmp_path, local=True, public_url="http://127.0.0.1:1")) as http:
        with pytest.raises(SandboxError) as caught:
            fetch_text(
                http,
                url,
                "application/statuslist+jwt",
                unavailable=Reason.STATUS_LIST_UNAVAILABLE,
                malformed=Reason.STATUS_LIST_MALFORMED,
                max_bytes=1000,
            )
    assert caught.value.reason == Reason.STATUS_LIST_UNAVAILABLE and caught.value.status_code == 503
    assert caught.value.message == f"{url} could not be fetched"


def test_a_refusal_is_not_hidden_as_a_transport_failure(tmp_path):
    with client(
        settings_for(tmp_path, local=False), table={"victim.example": ["10.0.0.5"]}, transport=NoConnection()
    ) as http:
        refused(lambda: send(http, "GET", "https://victim.example/"))
