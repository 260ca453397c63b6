"""Where transfer keeps its state, derived from the catalog (candidates to move into it).

keys/platform/        the platform's private keys and public bundle (platform.py)
keys/partners.yaml    the partner registry (registry.py)
transfer/ledger.sqlite   the replay ledger, with every signed manifest (ledger.py)
transfer/receipts/<partner>/<transfer_id>.receipt.json   signed receipts to send back
transfer/staging/     private decryption folders, renamed into landing when complete
outbox/<partner>/     feedback packages for the partners (catalog.outbox; feedback.py)
quality/record.jsonl  the data-quality record (catalog.quality_record; quality.py)
"""

from pathlib import Path

from analysis.catalog import Catalog


def platform_keys(catalog: Catalog) -> Path:
    return catalog.keys / "platform"


def registry(catalog: Catalog) -> Path:
    return catalog.keys / "partners.yaml"


def ledger(catalog: Catalog) -> Path:
    return catalog.home / "transfer" / "ledger.sqlite"


def receipts(catalog: Catalog) -> Path:
    return catalog.home / "transfer" / "receipts"


def staging(catalog: Catalog) -> Path:
    return catalog.home / "transfer" / "staging"
