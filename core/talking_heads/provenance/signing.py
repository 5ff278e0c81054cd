"""Who signs the content credentials.

A studio configures its certificate chain and private key (PEM files) with `--signing-cert` /
`--signing-key`, the environment variables below, or the add-on's preferences; every output is
then signed by the studio. Without them, a key and certificate made once per installation in the
user's config folder sign: the credentials still validate (nothing was changed since signing), but
their signer is no trusted authority, and `verify` says so.
"""
from __future__ import annotations

import datetime
import functools
import os
import secrets
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from talking_heads.errors import InputError

CERT_VARIABLE = "TALKING_HEADS_SIGNING_CERT"
KEY_VARIABLE = "TALKING_HEADS_SIGNING_KEY"
INSTALLATION_ORGANISATION = "Talking Heads installation (not a trusted signer)"
_EC_ALGORITHMS = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}


@dataclass(frozen=True)
class SigningIdentity:
    certificate_chain: bytes  # PEM: the signing certificate first, then its issuers
    private_key: bytes  # PEM (PKCS#8, unencrypted)
    algorithm: str  # the C2PA signing algorithm: es256 | es384 | es512 | ps256 | ed25519
    trusted: bool  # a studio's configured certificate; False: this installation's own key
    signer: str  # the signing certificate's subject, for messages

    def describe(self) -> str:
        if self.trusted:
            return f"signed by {self.signer}"
        return (f"signed with this installation's own key ({self.signer}): the signature proves the file is "
                "unchanged, but it is not from a trusted signer; configure a studio certificate for that")


def config_folder() -> Path:
    """The user's config folder for Talking Heads (XDG on Linux, the platform's own elsewhere)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "talking-heads"


def load_identity(certificate: Path | None = None, key: Path | None = None) -> SigningIdentity:
    """The studio's identity from the options, else from the environment, else this installation's.
    Raises InputError when a configured certificate or key is missing, unreadable, expired or
    not a pair: before any work, so nothing is rendered unsigned."""
    certificate = certificate or _path_from_environment(CERT_VARIABLE)
    key = key or _path_from_environment(KEY_VARIABLE)
    if certificate is None and key is None:
        return installation_identity()
    if certificate is None or key is None:
        given, missing = ("certificate", "key") if key is None else ("key", "certificate")
        raise InputError(f"a signing {given} was configured without its {missing}: give both --signing-cert and "
                         f"--signing-key (or {CERT_VARIABLE} and {KEY_VARIABLE}), or neither")
    return studio_identity(Path(certificate), Path(key))


def _path_from_environment(variable: str) -> Path | None:
    value = os.environ.get(variable, "").strip()
    return Path(value).expanduser() if value else None


def studio_identity(certificate: Path, key: Path) -> SigningIdentity:
    chain_pem = _read(certificate, "signing certificate")
    key_pem = _read(key, "signing key")
    try:
        chain = x509.load_pem_x509_certificates(chain_pem)
    except ValueError:
        raise InputError(f"signing certificate {certificate}: not a PEM certificate (chain); give the studio's "
                         "certificate as PEM, signing certificate first") from None
    try:
        private_key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as error:
        raise InputError(f"signing key {key}: not an unencrypted PEM private key ({error})") from None
    public = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if chain[0].public_key().public_bytes(*public) != private_key.public_key().public_bytes(*public):
        raise InputError(f"signing key {key} does not match the certificate {certificate}: configure the key "
                         "that the certificate was issued for")
    if chain[0].not_valid_after_utc < datetime.datetime.now(datetime.timezone.utc):
        raise InputError(f"signing certificate {certificate} expired on {chain[0].not_valid_after_utc:%Y-%m-%d}")
    pkcs8 = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
    return SigningIdentity(chain_pem, pkcs8, _algorithm(private_key, key), True, chain[0].subject.rfc4514_string())


def _read(path: Path, what: str) -> bytes:
    if not path.is_file():
        raise InputError(f"{what} {path}: no such file; check --signing-cert / --signing-key, "
                         f"{CERT_VARIABLE} / {KEY_VARIABLE} or the add-on's preferences")
    return path.read_bytes()


def _algorithm(private_key: object, path: Path) -> str:
    if isinstance(private_key, ec.EllipticCurvePrivateKey) and private_key.curve.name in _EC_ALGORITHMS:
        return _EC_ALGORITHMS[private_key.curve.name]
    if isinstance(private_key, rsa.RSAPrivateKey):
        return "ps256"
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    raise InputError(f"signing key {path}: unsupported key type; C2PA signs with EC P-256/384/521, RSA or Ed25519")


@functools.cache
def installation_identity() -> SigningIdentity:
    """This installation's key and certificate, made on first use in the config folder."""
    folder = config_folder() / "signing"
    if not folder.is_dir():
        _make_installation_key(folder)
    identity = studio_identity(folder / "certificate.pem", folder / "key.pem")
    return SigningIdentity(identity.certificate_chain, identity.private_key, identity.algorithm, False,
                           identity.signer)


def _make_installation_key(folder: Path) -> None:
    """A local certificate authority and a signing certificate it issues (C2PA refuses
    self-signed signing certificates), valid for ten years. Both files are made in a temporary
    folder renamed into place, so processes starting at once agree on one key."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = folder.with_name(f".{folder.name}.{os.getpid()}.partial")
    partial.mkdir(mode=0o700, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    label = secrets.token_hex(4)

    def name(common_name: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, INSTALLATION_ORGANISATION)])

    def builder(subject: x509.Name, issuer: x509.Name, public_key: object) -> x509.CertificateBuilder:
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=3650))
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))

    authority_key, signing_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    authority_name = name(f"Talking Heads local authority {label}")
    usage = dict(content_commitment=False, key_encipherment=False, data_encipherment=False, key_agreement=False,
                 encipher_only=False, decipher_only=False)
    authority = (builder(authority_name, authority_name, authority_key.public_key())
                 .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                 .add_extension(x509.KeyUsage(digital_signature=False, key_cert_sign=True, crl_sign=True, **usage),
                                critical=True)
                 .sign(authority_key, hashes.SHA256()))
    signing = (builder(name(f"Talking Heads installation {label}"), authority_name, signing_key.public_key())
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False, **usage),
                              critical=True)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority_key.public_key()),
                              critical=False)
               .sign(authority_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    descriptor = os.open(partial / "key.pem", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(signing_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (partial / "certificate.pem").write_bytes(signing.public_bytes(pem) + authority.public_bytes(pem))
    try:
        partial.rename(folder)
    except OSError:  # another process made the key first: use that one
        shutil.rmtree(partial, ignore_errors=True)
