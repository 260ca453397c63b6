"""One file through XChaCha20-Poly1305 secretstream, in chunks, so memory stays flat.

Each chunk is authenticated with additional data that binds the transfer id and the file's
index, so a chunk or a whole file cannot be moved into another file or another package. The
last chunk carries TAG_FINAL: a stream that ends without it was truncated, and bytes after it
were appended. Both directions hash what they read and write in the same pass, so the hashes
describe exactly the bytes that were encrypted or decrypted (no gap for a file to change
between a check and its use). Writing, and hashing what is written, run on a second thread
(hashlib, libsodium and file writes release the GIL), through a queue of a few chunks, so the
cipher and the disk overlap while memory stays flat.
"""

import hashlib
import queue
import threading
from dataclasses import dataclass
from typing import BinaryIO

from nacl import bindings as sodium

from analysis.transfer.errors import Refused

TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
HEADER = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES
ABYTES = sodium.crypto_secretstream_xchacha20poly1305_ABYTES


@dataclass(frozen=True)
class StreamDigest:
    size: int
    sha256: str
    ciphertext_size: int
    ciphertext_sha256: str


def associated_data(transfer_id: str, index: int) -> bytes:
    return b"nocta-transfer v1\0" + transfer_id.encode("ascii") + b"\0" + index.to_bytes(4, "big")


class _HashingWriter:
    """Hashes and writes chunks on its own thread; errors surface on the next put or close."""

    def __init__(self, out: BinaryIO, depth: int = 4) -> None:
        self.out, self.digest, self.error = out, hashlib.sha256(), None
        self.queue: queue.Queue[bytes | None] = queue.Queue(depth)
        self.thread = threading.Thread(target=self._run, name="nocta-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (chunk := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.digest.update(chunk)
                    self.out.write(chunk)
                except BaseException as exc:  # handed to the caller's thread
                    self.error = exc

    def put(self, chunk: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(chunk)

    def close(self) -> str:
        """Wait for every chunk to be written; the sha256 of all of them."""
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        if self.error is not None:
            raise self.error
        return self.digest.hexdigest()


def _read_full(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    while data and len(data) < n:  # short reads happen on pipes and network filesystems
        more = f.read(n - len(data))
        if not more:
            break
        data += more
    return data


def encrypt(src: BinaryIO, out: BinaryIO, key: bytes, ad: bytes, chunk_size: int) -> StreamDigest:
    """Encrypt `src` to `out`; the chunk that ends the file is tagged final."""
    plain, writer = hashlib.sha256(), _HashingWriter(out)
    try:
        state = sodium.crypto_secretstream_xchacha20poly1305_state()
        header = sodium.crypto_secretstream_xchacha20poly1305_init_push(state, key)
        writer.put(header)
        size, written = 0, len(header)
        chunk = _read_full(src, chunk_size)
        while True:
            following = _read_full(src, chunk_size) if len(chunk) == chunk_size else b""
            tag = TAG_MESSAGE if following else TAG_FINAL
            sealed = sodium.crypto_secretstream_xchacha20poly1305_push(state, chunk, ad, tag)
            plain.update(chunk)
            writer.put(sealed)
            size, written = size + len(chunk), written + len(sealed)
            if tag == TAG_FINAL:
                break
            chunk = following
    finally:
        cipher_sha256 = writer.close()
    return StreamDigest(size, plain.hexdigest(), written, cipher_sha256)


def decrypt(
    src: BinaryIO,
    length: int,
    out: BinaryIO,
    key: bytes,
    ad: bytes,
    chunk_size: int,
    label: str,
) -> StreamDigest:
    """Decrypt exactly `length` bytes of `src` into `out`; Refused names `label` and the chunk."""
    writer = _HashingWriter(out)
    try:
        size, cipher_sha256 = _decrypt(src, length, writer, key, ad, chunk_size, label)
    finally:
        plain_sha256 = writer.close()
    return StreamDigest(size, plain_sha256, length, cipher_sha256)


def _decrypt(
    src: BinaryIO,
    length: int,
    writer: _HashingWriter,
    key: bytes,
    ad: bytes,
    chunk_size: int,
    label: str,
) -> tuple[int, str]:
    cipher = hashlib.sha256()
    header = _read_full(src, HEADER)
    if len(header) != HEADER or length < HEADER + ABYTES:
        raise Refused(f"{label}: the encrypted file is truncated", code="content")
    cipher.update(header)
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, header, key)
    remaining, size, number = length - HEADER, 0, 0
    while remaining > 0:
        number += 1
        sealed = _read_full(src, min(chunk_size + ABYTES, remaining))
        if len(sealed) < min(chunk_size + ABYTES, remaining) or len(sealed) < ABYTES:
            raise Refused(
                f"{label}: the encrypted file is truncated at chunk {number}", code="content"
            )
        remaining -= len(sealed)
        cipher.update(sealed)
        try:
            chunk, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(state, sealed, ad)
        except RuntimeError:
            raise Refused(
                f"{label}: chunk {number} fails authentication (altered, reordered or moved "
                "from another file)",
                code="content",
            ) from None
        if tag == TAG_FINAL and remaining:
            raise Refused(
                f"{label}: {remaining} bytes of trailing data after the final chunk", code="content"
            )
        if tag not in (TAG_MESSAGE, TAG_FINAL) or (tag != TAG_FINAL and not remaining):
            raise Refused(f"{label}: the final chunk is missing (truncated stream)", code="content")
        writer.put(chunk)
        size += len(chunk)
    return size, cipher.hexdigest()
