"""The printed dossier on A4: every column kept, national heading, date line, signatures."""

import shutil
import subprocess

import pytest

from criteria.services import rollup_commune
from tests.dashboards.conftest import ensure_catalogues
from tests.e2e.conftest import ARTIFACTS

PDFTOTEXT = shutil.which("pdftotext")


@pytest.mark.skipif(not PDFTOTEXT, reason="pdftotext (poppler-utils) is missing")
@pytest.mark.django_db(transaction=True)
def test_dossier_prints_on_a4_as_an_official_submission(
    live_server, page, live_login, official_a, commune_a, village_a1, village_a2, tmp_path
):
    ensure_catalogues()
    rollup_commune(commune=commune_a)
    live_login(page, "official_a")
    page.goto(f"{live_server.url}/criteria/communes/{commune_a.code}/dossier/")
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "dossier-a4.pdf"  # to look at (git-ignored)
    page.pdf(path=str(pdf), format="A4", print_background=True)
    text = subprocess.run(
        [PDFTOTEXT, "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in flat
    assert "Độc lập – Tự do – Hạnh phúc" in flat
    assert "ỦY BAN NHÂN DÂN XÃ AN PHÚ" in flat
    assert "An Phú, ngày" in flat and "tháng" in flat and "năm" in flat
    assert "TM. ỦY BAN NHÂN DÂN" in flat and "CHỦ TỊCH" in flat and "Nơi nhận:" in flat
    # The village table's last column (and the 319 table's) are on the page, not cut off.
    assert "Đánh giá" in flat and "Đạt bộ tiêu chí" in flat
    assert "STT" in flat and "Hộ số" not in flat
