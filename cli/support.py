"""What every ``pctf-sandbox`` command shares: the consoles, the language option, settings,
reading files and keys, and the ways a command ends badly.

Exit codes, for scripts: 0 ok, 1 a negative result a command documents (a rejected
presentation, failed conformance, a broken audit chain), 2 unusable input (a bad file, JSON,
key, option value or ``PCTF_*`` setting), 3 an internal error. Every failure is one line on
stderr; ``PCTF_DEBUG=1`` lets an internal error show its traceback instead.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any, Literal, NoReturn, overload

import typer
from jwt.algorithms import get_default_algorithms
from pydantic import ValidationError
from pydantic_settings import SettingsError
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

from pctf.jose import ALLOWED_ALGS, SigningKey, has_private_parts, json_loads, public_jwk_only
from pctf.reasons import Reason, SandboxError
from pctf.settings import InsecureSetting, Settings

try:  # typer carries its own copy of click (0.20 on); before, click itself
    from typer._click import exceptions as _click_errors
except ImportError:  # pragma: no cover
    from click import exceptions as _click_errors  # type: ignore[no-redef]

# No emoji codes: text the sandbox prints (a certificate fingerprint such as "2E:CD:A5", an id)
# may hold ":cd:" or ":ab:", which rich would otherwise turn into pictures.
out = Console(emoji=False)
err = Console(stderr=True, emoji=False)

# No credential, key or offer comes near this; anything larger (or endless, like /dev/zero) is not one.
MAX_INPUT_BYTES = 16 * 1024 * 1024
# The key types a holder may bind credentials to: those of the algorithms a KB-JWT may use.
HOLDER_KEY_ALGS = {(kty, crv): alg for alg, (kty, crv) in ALLOWED_ALGS.items()}
_KEY_NAMES = [f"{kty} {crv}" for kty, crv in HOLDER_KEY_ALGS]
ACCEPTED_HOLDER_KEYS = ", ".join(_KEY_NAMES[:-1]) + f" or {_KEY_NAMES[-1]}"


class Lang(str, Enum):
    en = "en"
    fr = "fr"


LANG_VARIABLE = "PCTF_LANG"
_spoken: list[str] = []  # the language the running command speaks, once its --lang is read


def default_lang() -> str:
    """``PCTF_LANG`` (en or fr; en when unset): the language of ``--help`` and the default of
    every ``--lang`` option."""
    value = os.environ.get(LANG_VARIABLE, "").strip().lower()
    return value if value in {lang.value for lang in Lang} else Lang.en.value


def speak(lang: Lang | str) -> None:
    """Make ``lang`` the language of the running command's failure lines."""
    _spoken[:] = [Lang(lang).value]


def spoken() -> str:
    """The language the running command speaks: its ``--lang``, else ``PCTF_LANG``."""
    return _spoken[0] if _spoken else default_lang()


def _lang_read(_ctx: Any, _param: Any, value: Any) -> Any:
    if value is not None:
        speak(value)
    return value


def refusal_line(reason: Reason, message: str) -> str:
    """A refusal as one line: its reason code (for scripts) then, in English, what went wrong;
    in French, the code's description, since the message itself is English."""
    from scenarios.i18n import t
    from scenarios.narration import reason_phrase

    lang = spoken()
    if lang == Lang.en.value:
        return f"{reason.value}: {message}"
    return t("error.reason", lang, reason=reason.value, message=reason_phrase(reason.value, lang))


def fail(message: str, code: int = 2) -> NoReturn:
    """End the command with one line on stderr: scripts read the exit code, people the line.
    The message often quotes input (file names, ids), so it is never read as markup, and any
    line break in it is flattened."""
    from scenarios.i18n import t

    err.print(f"[bold red]{t('error.prefix', spoken())}[/] ", end="", highlight=False)
    err.print(" ".join(message.split()), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def guarded(fn: Callable[[], Any]) -> Any:
    """Turn a SandboxError (or unreadable input) into one clear line and exit code 2."""
    try:
        return fn()
    except SandboxError as exc:
        fail(refusal_line(exc.reason, exc.message))
    except OSError as exc:
        fail(_os_error_line(exc))


def note(line: str) -> None:
    """One line on stderr that is no error (which sandbox a command uses), so standard output
    stays what the command prints: JSON stays JSON."""
    err.print(line, markup=False, highlight=False, soft_wrap=True)


def consent_prompt(lang: str, rp_name: str) -> Callable[[dict], bool]:
    """The holder's decision in an interactive demo (``-i``), asked in the story's language.

    English takes y/yes/n/no, French o/oui/n/non; Enter accepts. Anything else is asked again,
    in the same language; the end of input declines, so a closed terminal never shares data."""
    from scenarios.i18n import named, t

    yes, no = ({"o", "oui"}, {"n", "non"}) if lang == "fr" else ({"y", "yes"}, {"n", "no"})

    def decide(_review: dict) -> bool:
        while True:
            try:
                asked = t("consent.ask", lang, **named("rp", rp_name, lang))
                answer = out.input(f"{asked} {t('consent.choices', lang)} ", markup=False)
            except EOFError:
                return False
            answer = answer.strip().lower()
            if not answer or answer in yes:
                return True
            if answer in no:
                return False
            out.print(t("consent.invalid", lang), highlight=False)

    return decide


def _os_error_line(exc: OSError) -> str:
    return f"{exc.filename}: {exc.strerror or exc}" if exc.filename else str(exc.strerror or exc)


# -- settings ----------------------------------------------------------------------------------
def settings() -> Settings:
    """The ``PCTF_*`` settings; a variable that does not parse ends the command naming it."""
    try:
        return Settings()
    except (ValidationError, SettingsError, RecursionError) as exc:
        fail(setting_problem(exc))


def setting_problem(exc: Exception) -> str:
    """One line naming each ``PCTF_*`` variable that does not parse and why, without its value
    (role tokens are secrets, and error output ends up in logs)."""
    if isinstance(exc, ValidationError):
        return "; ".join(f"{_variable(e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False))
    if isinstance(exc, SettingsError):
        field = re.search(r'field "([^"]+)"', str(exc))
        variable = _variable((field.group(1),)) if field else "a PCTF_* variable"
        cause = exc.__cause__
        if isinstance(cause, RecursionError):
            return f"{variable}: its JSON is nested too deeply"
        return f"{variable}: not valid JSON ({cause})" if isinstance(cause, ValueError) else f"{variable}: {exc}"
    return "a PCTF_* variable holds JSON nested too deeply"


def _variable(loc: tuple) -> str:
    """``('issuer_staff_tokens', 'prov1')`` as ``PCTF_ISSUER_STAFF_TOKENS[prov1]``."""
    name, *inner = [str(part) for part in loc] or ["?"]
    return f"PCTF_{name.upper()}" + "".join(f"[{part}]" for part in inner)


# -- reading input -----------------------------------------------------------------------------
def _read_bytes(source: str | Path, where: str) -> bytes:
    """At most :data:`MAX_INPUT_BYTES` of a file, or of standard input for ``-``."""
    if str(source) == "-" and sys.stdin is None:
        fail(f"cannot read {where}: there is no standard input")
    try:
        if str(source) == "-":
            stdin = getattr(sys.stdin, "buffer", None)
            data = stdin.read(MAX_INPUT_BYTES + 1) if stdin else sys.stdin.read(MAX_INPUT_BYTES + 1).encode()
        else:
            with open(source, "rb") as fh:
                data = fh.read(MAX_INPUT_BYTES + 1)
    except FileNotFoundError:
        fail(f"cannot read {where}: it does not exist")
    except (OSError, UnicodeError) as exc:
        fail(f"cannot read {where}: {getattr(exc, 'strerror', None) or exc}")
    if len(data) > MAX_INPUT_BYTES:
        fail(f"{where} is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB")
    return data


def _decode(data: bytes, where: str) -> str:
    """UTF-8 text (a leading byte order mark is dropped); binary content is refused as such."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        fail(f"{where} is not UTF-8 text (a binary file?)")
    return text


def _where(source: str | Path, what: str) -> str:
    return f"the {what} on standard input" if str(source) == "-" else f"the {what} file {source}"


def read_text_arg(source: str, what: str) -> str:
    """The stripped text of a file, or of standard input for ``-``; exit 2 when unusable."""
    where = _where(source, what)
    text = _decode(_read_bytes(source, where), where).strip()
    if not text:
        fail(f"bad_request: {where} is empty")
    return text


def parse_json(text: str, where: str) -> Any:
    """Strict JSON (no NaN or Infinity); exit 2 when it is not, or is nested too deeply to read."""
    try:
        return json_loads(text)
    except RecursionError:
        fail(f"{where} is JSON nested too deeply")
    except ValueError as exc:
        fail(f"{where} is not valid JSON ({exc})")


def read_json_file(path: Path, what: str) -> Any:
    """The JSON a file holds; exit 2 when it is missing, unreadable, binary or not JSON."""
    where = f"the {what} file {path}"
    return parse_json(_decode(_read_bytes(path, where), where), where)


@overload
def read_holder_key(path: Path, *, private: Literal[True]) -> SigningKey: ...


@overload
def read_holder_key(path: Path, *, private: Literal[False]) -> dict[str, Any]: ...


def read_holder_key(path: Path, *, private: bool) -> SigningKey | dict[str, Any]:
    """A holder key from a JWK file: the private :class:`SigningKey` (its algorithm fitting its
    curve) when ``private``, else the public JWK. Only key types a KB-JWT may be signed with
    are usable, and the key material must load, so a bad key is refused here, not half-way."""
    jwk = read_json_file(path, "holder key")
    if not isinstance(jwk, dict):
        fail(f"bad_request: the holder key file {path} must hold one JWK object")
    alg = HOLDER_KEY_ALGS.get((str(jwk.get("kty")), jwk.get("crv")))
    if alg is None:
        kind = " ".join(str(v) for v in (jwk.get("kty"), jwk.get("crv")) if v) or "no kty"
        fail(f"bad_request: the holder key in {path} is {kind}; accepted: {ACCEPTED_HOLDER_KEYS}")
    if private and not has_private_parts(jwk):
        fail(f"bad_request: the holder key file {path} must hold the private JWK (from pctf-sandbox keygen)")
    key = jwk if private else public_jwk_only(jwk)
    try:
        get_default_algorithms()[alg].from_jwk(json.dumps(key))  # bad encodings, off-curve points
    except Exception:
        fail(f"bad_request: the holder key in {path} is not a valid {jwk.get('crv')} key")
    return SigningKey(private_jwk=key, alg=alg) if private else key


# -- the last resort ---------------------------------------------------------------------------
def debugging() -> bool:
    """``PCTF_DEBUG=1``: let an unexpected exception show its traceback."""
    return os.environ.get("PCTF_DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}


def failure_line(exc: Exception) -> tuple[str, int] | None:
    """The line and exit code for an exception no command handled, when its kind is known:
    a usage error keeps click's code (2), a refusal or an unusable setting or path is 2.
    None for anything else, which is an internal error."""
    if isinstance(exc, _click_errors.ClickException):
        ctx = getattr(exc, "ctx", None)
        return exc.format_message() + (f" (see: {ctx.command_path} --help)" if ctx else ""), exc.exit_code
    if isinstance(exc, SandboxError):
        return refusal_line(exc.reason, exc.message), 2
    if isinstance(exc, InsecureSetting):
        return refusal_line(Reason.SETTING_INVALID, str(exc)), 2
    if isinstance(exc, SettingsError) or (isinstance(exc, ValidationError) and exc.title == Settings.__name__):
        return setting_problem(exc), 2
    if isinstance(exc, OSError):
        return _os_error_line(exc), 2
    return None


class GuardedGroup(TyperGroup):
    """The command group of ``pctf-sandbox``: every subcommand runs inside its ``invoke``, so this
    is the one place an exception escaping a command becomes one line and an exit code.

    It is also the one place every ``--lang`` option, whoever adds the command, takes its default
    from ``PCTF_LANG`` and, once read, sets the language of the command's failure lines."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _lang_from_environment(self)

    def invoke(self, ctx: Any) -> Any:  # typer's or click's Context, whichever typer bundles
        _spoken.clear()  # a new command: it speaks its own --lang
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, BrokenPipeError):
            raise  # a command's own ending; a closed pipe is click's to handle
        except Exception as exc:
            if isinstance(exc, getattr(_click_errors, "NoArgsIsHelpError", ())):
                raise  # shows the help, as asked
            known = failure_line(exc)
            if known:
                fail(*known)
            if debugging():
                raise
            from scenarios.i18n import t

            fail(t("error.internal", spoken(), kind=exc.__class__.__name__), 3)


def _lang_from_environment(command: Any) -> None:
    """Every ``lang`` option under ``command`` defaults to ``PCTF_LANG`` and reports its value
    (:func:`speak`); an option that names its own variable or callback keeps them."""
    for param in getattr(command, "params", []):
        if param.name == "lang" and not param.envvar and param.callback is None:
            param.envvar, param.callback = LANG_VARIABLE, _lang_read
    for sub in getattr(command, "commands", {}).values():
        _lang_from_environment(sub)


ISSUER_HELP = "Issuer short id: prov1, prov2, terr1, terr2, fed, vitalstats."


def entity_ref(s: Settings, ident: str) -> str:
    """An entity id from a URL, a DID or a sandbox issuer's short id (``prov1``)."""
    from pctf.did import is_did

    return ident if "://" in ident or is_did(ident) else s.issuer_id(ident)


# -- --help in the reader's language -----------------------------------------------------------
class CatalogueCommand(TyperCommand):
    """A command whose ``--help`` comes from the catalogue (:mod:`scenarios.i18n`), in the
    language ``PCTF_LANG`` names (``--help`` is read before any ``--lang``).

    The command's text is under ``help.<group>.<command>`` (``help.demo.sasha``); an option's
    under ``help.<group>.<command>.<option>``, else ``help.<group>.<option>`` for an option the
    group's commands share (``help.demo.lang``); ``….metavar`` keys name an option's value. A
    key the catalogue lacks leaves typer's own text (the docstring, the ``help=``)."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        localize_help(self, ctx, default_lang())
        super().format_help(ctx, formatter)

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        from scenarios.i18n import t

        pieces = " ".join(self.collect_usage_pieces(ctx))
        formatter.write_usage(ctx.command_path, pieces, prefix=t("help.usage", default_lang()))


class CatalogueGroup(TyperGroup):
    """A command group whose ``--help`` (its text, and its commands' one-line summaries) comes
    from the catalogue like :class:`CatalogueCommand`'s: ``help.<group>`` and
    ``help.<group>.<command>``."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from scenarios.i18n import MESSAGES, t

        lang = default_lang()
        localize_help(self, ctx, lang)
        self.subcommand_metavar = t("help.command_metavar", lang)
        key = _help_key(ctx)
        for name, command in self.commands.items():
            if f"{key}.{name}" in MESSAGES:
                command.help = t(f"{key}.{name}", lang)
                command.short_help = None
            command.rich_help_panel = t("help.commands", lang)  # type: ignore[attr-defined]  # typer's have one
        super().format_help(ctx, formatter)

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        CatalogueCommand.format_usage(self, ctx, formatter)  # type: ignore[arg-type]


def _help_key(ctx: Any) -> str:
    """``help.demo.sasha`` for ``pctf-sandbox demo sasha``, whatever the program is called."""
    return ".".join(["help", *ctx.command_path.split()[1:]])


def localize_help(command: Any, ctx: Any, lang: str) -> None:
    """Put the catalogue's help texts for ``command`` and its options, in ``lang``, in place."""
    from scenarios.i18n import MESSAGES, t

    key = _help_key(ctx)
    group = key.rsplit(".", 1)[0]
    if key in MESSAGES:
        command.help = t(key, lang)
    for param in command.get_params(ctx):
        if param.name == "help":
            param.help = t("help.help", lang)
            continue
        # an option's key is its long name (--data-dir: data_dir), whatever its parameter is called
        name = next((o[2:] for o in getattr(param, "opts", ()) if o.startswith("--")), param.name).replace("-", "_")
        found = next((k for k in (f"{key}.{name}", f"{group}.{name}") if k in MESSAGES), None)
        if found is None:
            continue
        param.help = t(found, lang)
        param.show_envvar = False  # "[env var: …]" is typer's English; the text names the variable
        if f"{found}.metavar" in MESSAGES:
            param.metavar = t(f"{found}.metavar", lang)
        if getattr(param, "show_default", False) and not getattr(param, "is_flag", False):
            # typer writes "[default: …]" in English: the default goes into the sentence instead
            param.show_default = False
            if param.default is not None and not param.envvar:  # PCTF_LANG's option says it itself
                param.help += " " + t("help.default", lang, value=getattr(param.default, "value", param.default))
