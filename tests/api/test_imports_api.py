"""The write endpoint: the admin-token matrix, all-or-nothing imports, the row-by-row report, the size limit."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from opentrade.errors import ConfigError
from opentrade.ingest.schemas import SPECS
from opentrade.store.checksum import content_checksum, table_counts
from tests.api.conftest import FIRM_HEADER, FIRMS, TOKEN
from tests.conftest import make_uscc, write_csv

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _firms_file(tmp_path: Path, rows=None, name: str = "企业名录.csv") -> bytes:
    return write_csv(tmp_path / name, FIRM_HEADER, FIRMS if rows is None else rows).read_bytes()


def _post(client, content: bytes, *, kind: str = "enterprises", name: str = "企业名录.csv", headers=None,
          **params):
    return client.post(f"/api/v1/imports/{kind}", files={"file": (name, content, "text/csv")},
                       headers=headers or {}, params=params)


def test_the_endpoint_kinds_are_the_importer_kinds() -> None:
    from typing import get_args

    from opentrade.api.routes.imports import ImportKind

    assert set(get_args(ImportKind)) == set(SPECS)


@pytest.mark.parametrize(("configured", "headers", "status"), [
    (None, AUTH, 403),  # no token configured: writes are disabled
    (TOKEN, {}, 401),
    (TOKEN, {"Authorization": "Bearer wrong-token"}, 403),
    (TOKEN, {"Authorization": f"Basic {TOKEN}"}, 401),
    (TOKEN, AUTH, 200),
])
def test_admin_token_matrix(db, make_client, tmp_path, configured, headers, status) -> None:
    client = make_client(db, admin_token=configured)
    before = content_checksum(db.engine)
    response = _post(client, _firms_file(tmp_path), headers=headers)
    assert response.status_code == status, response.text
    if status == 200:
        assert table_counts(db.engine)["enterprise"] == len(FIRMS)
    else:
        assert set(response.json()["error"]) == {"type", "message", "details"}
        assert content_checksum(db.engine) == before
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"


def test_token_may_be_configured_as_its_sha256(db, make_client, tmp_path) -> None:
    client = make_client(db, admin_token_sha256=hashlib.sha256(TOKEN.encode()).hexdigest())
    assert _post(client, _firms_file(tmp_path), headers=AUTH).status_code == 200
    assert _post(client, _firms_file(tmp_path), headers={"Authorization": "Bearer x"}).status_code == 403
    with pytest.raises(ConfigError, match="64 hexadecimal"):
        make_client(db, admin_token_sha256="not-a-digest")


def test_import_dry_run_and_reimport(db, make_client, tmp_path) -> None:
    client = make_client(db, admin_token=TOKEN)
    dry = _post(client, _firms_file(tmp_path), headers=AUTH, dry_run="true")
    assert dry.status_code == 200 and dry.json()["dry_run"] is True and dry.json()["rows"] == len(FIRMS)
    assert table_counts(db.engine)["enterprise"] == 0
    first = _post(client, _firms_file(tmp_path), headers=AUTH).json()
    assert (first["inserted"], first["updated"], first["file"], first["kind"]) == (len(FIRMS), 0, "企业名录.csv",
                                                                                   "enterprises")
    again = _post(client, _firms_file(tmp_path), headers=AUTH).json()
    assert (again["inserted"], again["updated"]) == (0, len(FIRMS))
    listed = client.get("/api/v1/enterprises", params={"q": "Henkel"}).json()["items"]
    assert listed[0]["uscc"] == make_uscc(1)


def test_rejected_upload_reports_rows_and_leaves_the_database_unchanged(db, make_client, tmp_path) -> None:
    client = make_client(db, admin_token=TOKEN)
    assert _post(client, _firms_file(tmp_path), headers=AUTH).status_code == 200
    before = content_checksum(db.engine)
    rows = [list(r) for r in FIRMS]
    rows[2][0] = rows[2][0][:-1] + ("0" if rows[2][0][-1] != "0" else "1")  # wrong check character, row 4
    rows[5][3] = "9999"  # unknown industry code, row 7
    rows[7][4] = "martian"  # unknown ownership, row 9
    response = _post(client, _firms_file(tmp_path, rows), headers=AUTH)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["type"] == "ImportRejected" and "nothing was written" in error["message"]
    details = error["details"]
    assert details["file"] == "企业名录.csv" and details["rows_total"] == len(FIRMS)
    assert details["rows_rejected"] == 3 and details["issues_total"] == len(details["issues"])
    issues = {(i["row"], i["column"]) for i in details["issues"]}
    assert {(4, "uscc"), (7, "industry_code"), (9, "ownership")} <= issues
    assert all(set(i) == {"row", "column", "value", "rule"} and i["rule"] for i in details["issues"])
    assert content_checksum(db.engine) == before
    assert not list(tmp_path.glob("*.rejects.csv"))  # the API reports; it leaves no files behind


def test_unreadable_files_are_422(db, make_client) -> None:
    client = make_client(db, admin_token=TOKEN)
    bad_type = _post(client, b"\x00\x01", name="firms.pdf", headers=AUTH)
    assert bad_type.status_code == 422 and bad_type.json()["error"]["type"] == "InputFileError"
    assert "firms.pdf" in bad_type.json()["error"]["message"] and "/tmp" not in bad_type.json()["error"]["message"]
    headers_only = _post(client, b"foo,bar\n1,2\n", headers=AUTH)
    assert headers_only.status_code == 422 and headers_only.json()["error"]["type"] == "InputFileError"
    no_file = client.post("/api/v1/imports/enterprises", data={"x": "1"}, files={"y": ("a.csv", b"")},
                          headers=AUTH)
    assert no_file.status_code == 422
    not_multipart = client.post("/api/v1/imports/enterprises", content=b"uscc\n", headers=AUTH)
    assert not_multipart.status_code == 415
    unknown_kind = _post(client, b"a\n", kind="aliens", headers=AUTH)
    assert unknown_kind.status_code == 422


def test_upload_size_limit(db, make_client, tmp_path) -> None:
    client = make_client(db, admin_token=TOKEN, max_upload_bytes=200_000)
    big = _firms_file(tmp_path) + b"x" * 300_000
    before = content_checksum(db.engine)
    response = _post(client, big, headers=AUTH)
    assert response.status_code == 413 and response.json()["error"]["type"] == "PayloadTooLarge"
    assert content_checksum(db.engine) == before
    # Just over the limit, within the multipart slack: refused while the file is copied.
    near = _firms_file(tmp_path) + b"," * (200_001 - len(_firms_file(tmp_path)))
    assert _post(client, near, headers=AUTH).status_code == 413
    # A chunked body (no Content-Length) is counted as it streams.
    body = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.csv\"\r\n\r\n" + big
            + b"\r\n--b--\r\n")
    chunked = client.post("/api/v1/imports/enterprises", content=iter([body[i:i + 65536]
                                                                        for i in range(0, len(body), 65536)]),
                          headers={**AUTH, "Content-Type": "multipart/form-data; boundary=b"})
    assert chunked.status_code == 413
    assert _post(client, _firms_file(tmp_path), headers=AUTH).status_code == 200


def test_an_upload_obeys_the_applications_settings_not_the_environment(db, make_client, tmp_path,
                                                                       monkeypatch) -> None:
    """The row limit (like the size limit and the taxonomy) comes from the application's settings."""
    monkeypatch.setenv("OPENTRADE_MAX_IMPORT_ROWS", "0")  # the environment would allow any number of rows
    client = make_client(db, admin_token=TOKEN, max_import_rows=5)
    before = content_checksum(db.engine)
    response = _post(client, _firms_file(tmp_path), headers=AUTH)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "input_file" and "limit is 5 rows" in error["message"]
    assert "企业名录.csv" in error["message"] and content_checksum(db.engine) == before
    roomy = make_client(db, admin_token=TOKEN, max_import_rows=len(FIRMS))
    assert _post(roomy, _firms_file(tmp_path), headers=AUTH).status_code == 200
