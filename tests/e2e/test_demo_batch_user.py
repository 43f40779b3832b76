"""The demo's batch user in a real browser (issue 19 item 15): signs in with the login the demo
prints, downloads the CSV template from the Batch files page, uploads it as it is, and gets the
output file once the batch is processed, with axe on the pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lrs.batches.models import Batch
from lrs.batches.services import process_until_done
from lrs.demo.data import load_demo_data
from tests.e2e.conftest import check_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_demo_batch_user_uploads_the_template_and_gets_the_output(
    page: Any, tmp_path: Path
) -> None:
    demo = load_demo_data(learners=30)
    login = next(login for login in demo.logins if login.username == "rcollege.batch")
    assert "batch" in login.roles

    sign_in(page, login.username, login.password)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Batch files").click()
    page.get_by_role("heading", name="Batch files", level=1).wait_for()
    check_page(page, "demo-batch-files")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the CSV template").click()
    download = download_info.value
    template = tmp_path / download.suggested_filename
    download.save_as(template)
    assert "10034567" in template.read_text()  # the user's own UKPRN

    page.get_by_label("Upload a file").set_input_files(str(template))
    page.get_by_role("button", name="Upload file").click()
    page.get_by_role("heading", name=template.name, level=1).wait_for()
    batch = Batch.objects.get(file_name=template.name)
    assert process_until_done(batch_id=batch.pk) == 2

    page.get_by_role("link", name="Download the output file").wait_for()
    check_page(page, "demo-batch-complete")
    with page.expect_download() as output_info:
        page.get_by_role("link", name="Download the output file").click()
    output = output_info.value.path().read_text()
    assert output.count("\n") >= 3  # the header, the file's details and its two learners
