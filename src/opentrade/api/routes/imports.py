"""The write endpoint: upload a registry file; it goes through the same validation as ``opentrade import``.

The credentials (the import scope) are checked before the body is read; the body is counted while it streams in, so an oversized
upload is refused (413) without being stored. The file lands in a private temporary folder under its own name and
suffix (the suffix decides the reader), is imported all-or-nothing, and is removed afterwards.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from opentrade.api.schemas import ErrorBody, ImportResultPublic
from opentrade.config import Settings
from opentrade.errors import ImportRejected, InputFileError
from opentrade.http.access import Db, Opts, get_settings, require_import
from opentrade.http.errors import ApiError, error_response, reject_details
from opentrade.services.auth import Principal
from opentrade.services.importer import import_file

router = APIRouter()

ImportKind = Literal["enterprises", "financials", "projects", "partners", "events", "universities", "heritage",
                     "spaces", "statistics", "tenancies", "aftercare", "enquiries", "buyers", "exchange_rates"]
MULTIPART_SLACK = 64 * 1024  # boundaries and part headers around the file
CHUNK = 1 << 20

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary",
                                    "description": "CSV (UTF-8, UTF-8 BOM, UTF-16, GBK/GB18030) or XLSX/XLS"}},
        }}},
    }
}


class _TooLarge(Exception):
    pass


def _limited_receive(request: Request, limit: int):
    seen = 0

    async def receive():
        nonlocal seen
        message = await request.receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _TooLarge
        return message

    return receive


def _safe_name(filename: str | None) -> str:
    name = Path((filename or "").replace("\\", "/")).name
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    stem = re.sub(r"[^\w.-]+", "_", stem).strip("._")[:100] or "upload"
    suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""
    return stem + suffix


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"the upload is larger than the limit of {limit:,} bytes (OPENTRADE_MAX_UPLOAD_BYTES)")


@router.post(
    "/imports/{kind}",
    response_model=ImportResultPublic,
    tags=["imports"],
    openapi_extra=UPLOAD_BODY,
    summary="Import a registry file (all rows or none); needs the import scope (analyst or admin)",
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 413: {"model": ErrorBody},
               422: {"model": ErrorBody, "description": "unreadable file, or rows that break a rule: the "
                     "row-by-row report in error.details.issues (row, column, value, rule)"}},
)
async def upload(
    kind: ImportKind,
    request: Request,
    db: Db,
    settings: Annotated[Settings, Depends(get_settings)],
    principal: Annotated[Principal, Depends(require_import)],
    options: Opts,
    dry_run: Annotated[bool, Query(description="validate only; write nothing")] = False,
):
    limit = settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit + MULTIPART_SLACK:
        raise _too_large(limit)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(415, "send the file as multipart/form-data in a field named 'file'")
    limited = Request(request.scope, _limited_receive(request, limit + MULTIPART_SLACK))
    try:
        form = await limited.form(max_files=1, max_fields=10)
    except _TooLarge:
        raise _too_large(limit) from None
    folder = Path(tempfile.mkdtemp(prefix="opentrade-upload-"))
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiError(422, "no file: send it in a multipart field named 'file'", type_="ValidationError")
        name = _safe_name(upload.filename)
        target = folder / name
        size = 0
        with target.open("wb") as out:
            while chunk := await upload.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                out.write(chunk)
        try:
            result = await run_in_threadpool(import_file, db, kind, target, options=options.replace(
                max_import_bytes=limit, actor=principal.actor), dry_run=dry_run, write_rejects=False)
        except ImportRejected as exc:
            return error_response(422, "ImportRejected", exc.report.summary().replace(str(target), name),
                                  reject_details(exc, limit=options.max_reported_errors, file=name), code=exc.code)
        except InputFileError as exc:
            raise InputFileError(name, exc.reason.replace(str(target), name), exc.column) from None
    finally:
        await form.close()
        shutil.rmtree(folder, ignore_errors=True)
    return {"kind": result.kind, "file": name, "encoding": result.encoding, "rows": result.rows,
            "inserted": result.inserted, "updated": result.updated, "dry_run": result.dry_run,
            "notes": [n.replace(str(target), name) for n in result.notes]}
