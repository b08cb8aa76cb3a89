"""The member's own data through the mobile bindings against a real server:
"download my data" with its progress told to a listener, the zip holding
the member's review and photo, and deleting the account (what is kept,
a wrong password refused, then the device signed out and its copy gone).
"""

import asyncio
import os
import zipfile

import pytest

from conftest import PASSWORD, member, moa


class Progress(moa.DataExportListener):
    def __init__(self):
        self.seen = []

    def on_progress(self, progress):
        self.seen.append(progress)


def test_download_my_data_then_delete_the_account(server, data_dir, tmp_path):
    async def scenario():
        folder = data_dir()
        client, me = await member(server.url, folder, "yuna")
        await client.create_review(moa.NewReview(
            kind=moa.ReviewKind.STORY, title="내 데이터에 들어갈 리뷰", body="성수동 카페 후기",
            photos=[], subject=None, rating=4, tags=["카페"], official=False,
        ))
        await client.sync()
        assert await client.outbox().items() == []

        progress = Progress()
        saved = await client.export_my_data(str(tmp_path / "downloads"), progress)
        assert saved.path.endswith(".zip") and os.path.getsize(saved.path) == saved.bytes
        assert isinstance(progress.seen[0], moa.DataExportProgress.BUILDING), progress.seen
        last = progress.seen[-1]
        assert isinstance(last, moa.DataExportProgress.DOWNLOADING)
        assert (last.received, last.total) == (saved.bytes, saved.bytes)
        with zipfile.ZipFile(saved.path) as z:
            assert "내 데이터에 들어갈 리뷰" in z.read("reviews.json").decode()
            assert me.email in z.read("profile.json").decode()
        listed = await client.data_exports()
        assert listed[0].id == saved.export_id and listed[0].state == moa.ExportState.READY

        policy = await client.deletion_policy()
        assert (policy.erase_after_days, policy.keep_records_years) == (30, 5)
        with pytest.raises(moa.MoaError.Invalid):
            await client.delete_account("not-my-password")
        await client.delete_account(PASSWORD)
        with pytest.raises(moa.MoaError):
            await client.me()
        assert not os.path.exists(os.path.join(folder, "accounts", f"{me.id}.sqlite"))

    asyncio.run(scenario())
