"""TLS for gRPC: server credentials that follow their files, and development certificates.

    files = TlsFiles(cert=Path("server.pem"), key=Path("server-key.pem"), client_ca=ca)
    port = server.add_secure_port(address, ReloadingServerCredentials(files).credentials())

The server's certificate, key and client CA are read again whenever one of the files changes
(size, mtime or inode), so a rotated certificate is served to new connections without a
restart: gRPC asks :meth:`ReloadingServerCredentials.fetch` before each handshake. A file caught
half-written keeps the previous configuration until it parses.

``client_ca`` set means mutual TLS: a client must present a certificate signed by that CA.

:func:`issue_dev_pki` writes a local CA, a server certificate for ``127.0.0.1``/``localhost``
and a client certificate (``frontdesk up`` and the test helpers use it; never production).
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

log = logging.getLogger(__name__)

DEV_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class TlsFiles:
    """A server's certificate chain and key (PEM); a client CA turns on mutual TLS."""

    cert: Path
    key: Path
    client_ca: Path | None = None


def _stamp(paths: Sequence[Path | None]) -> tuple[tuple[int, int, int], ...]:
    stamps = []
    for path in paths:
        if path is None:
            continue
        try:
            stat = path.stat()
        except OSError:
            stamps.append((0, 0, 0))
            continue
        stamps.append((stat.st_mtime_ns, stat.st_size, stat.st_ino))
    return tuple(stamps)


class ReloadingServerCredentials:
    """gRPC server credentials re-read from :class:`TlsFiles` whenever the files change."""

    def __init__(self, files: TlsFiles) -> None:
        self.files = files
        self._stamp = _stamp([files.cert, files.key, files.client_ca])
        self._initial = self._load()  # fails loudly at start: a server without its cert is useless
        self.reloads = 0

    def _load(self) -> grpc.ServerCertificateConfiguration:
        key = self.files.key.read_bytes()
        cert = self.files.cert.read_bytes()
        # Parse before handing to gRPC: a half-written file must not replace a good one.
        private = serialization.load_pem_private_key(key, password=None)
        leaf = x509.load_pem_x509_certificates(cert)[0]
        public = serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        if leaf.public_key().public_bytes(*public) != private.public_key().public_bytes(*public):
            # Caught between writing the new key and the new certificate.
            raise ValueError("the certificate does not match the key")
        root = None
        if self.files.client_ca is not None:
            root = self.files.client_ca.read_bytes()
            x509.load_pem_x509_certificates(root)
        return grpc.ssl_server_certificate_configuration([(key, cert)], root_certificates=root)

    def fetch(self) -> grpc.ServerCertificateConfiguration | None:
        """gRPC's callback before a handshake: a new configuration, or None to keep the current."""
        stamp = _stamp([self.files.cert, self.files.key, self.files.client_ca])
        if stamp == self._stamp:
            return None
        try:
            configuration = self._load()
        except (OSError, ValueError) as error:
            log.warning("TLS files changed but do not load yet (%s); keeping the old ones", error)
            return None
        self._stamp = stamp
        self.reloads += 1
        log.info("reloaded TLS certificate", extra={"cert": str(self.files.cert)})
        return configuration

    def credentials(self) -> grpc.ServerCredentials:
        return grpc.dynamic_ssl_server_credentials(
            self._initial,
            self.fetch,  # type: ignore[arg-type]  # gRPC accepts None ("no change"); stubs don't
            require_client_authentication=self.files.client_ca is not None,
        )


# --- development certificates ---------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    cert_pem: bytes
    key_pem: bytes


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())  # fast to make, small, widely supported


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_ca(common_name: str = "Frontdesk development CA", days: int = 365) -> Issued:
    """A self-signed certificate authority."""
    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
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
        .sign(key, hashes.SHA256())
    )
    return Issued(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


def issue(
    ca: Issued,
    common_name: str,
    *,
    hosts: Sequence[str] = (),
    client: bool = False,
    days: int = 90,
) -> Issued:
    """A leaf certificate signed by ``ca``: for a server (``hosts`` as SANs) or a client."""
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem)
    ca_key = serialization.load_pem_private_key(ca.key_pem, password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise ValueError("the CA key must be an elliptic-curve key")
    key = _key()
    now = datetime.datetime.now(datetime.UTC)
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    usage = ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    return Issued(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


def write_private(path: Path, data: bytes) -> None:
    """Writes ``data`` readable by the owner only, atomically (rename): a reloading reader never
    sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    os.replace(temporary, path)


@dataclass(frozen=True)
class DevPki:
    """Where :func:`issue_dev_pki` wrote its files."""

    ca: Path
    ca_key: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path

    @classmethod
    def under(cls, folder: Path) -> DevPki:
        return cls(
            ca=folder / "ca.pem",
            ca_key=folder / "ca-key.pem",
            server_cert=folder / "server.pem",
            server_key=folder / "server-key.pem",
            client_cert=folder / "client.pem",
            client_key=folder / "client-key.pem",
        )

    def exists(self) -> bool:
        return all(
            p.exists()
            for p in (
                self.ca,
                self.ca_key,
                self.server_cert,
                self.server_key,
                self.client_cert,
                self.client_key,
            )
        )

    def server_files(self, *, mutual: bool = False) -> TlsFiles:
        return TlsFiles(self.server_cert, self.server_key, self.ca if mutual else None)

    def reissue_server(self, hosts: Sequence[str] = DEV_HOSTS) -> None:
        """A fresh server certificate from the same CA (certificate rotation)."""
        ca = Issued(self.ca.read_bytes(), self.ca_key.read_bytes())
        server = issue(ca, "frontdesk-server", hosts=hosts)
        # Key first, then cert: both stamps change, the reload takes the pair once both parse.
        write_private(self.server_key, server.key_pem)
        write_private(self.server_cert, server.cert_pem)


def issue_dev_pki(folder: Path, hosts: Sequence[str] = DEV_HOSTS) -> DevPki:
    """A development CA with a server and a client certificate under ``folder`` (kept if there)."""
    pki = DevPki.under(folder)
    if pki.exists():
        return pki
    ca = make_ca()
    server = issue(ca, "frontdesk-server", hosts=hosts)
    client = issue(ca, "frontdesk-client", client=True)
    write_private(pki.ca_key, ca.key_pem)
    write_private(pki.ca, ca.cert_pem)
    write_private(pki.server_key, server.key_pem)
    write_private(pki.server_cert, server.cert_pem)
    write_private(pki.client_key, client.key_pem)
    write_private(pki.client_cert, client.cert_pem)
    return pki
