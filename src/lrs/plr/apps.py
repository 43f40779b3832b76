from __future__ import annotations

from django.apps import AppConfig


class PlrConfig(AppConfig):
    name = "lrs.plr"
    label = "plr"
    verbose_name = "Personal Learning Record"

    def ready(self) -> None:
        # Achievement files go through the batch machinery as their own kind of upload.
        from lrs.batches.uploads import UploadKind, register_upload_kind
        from lrs.core.roles import Permission
        from lrs.plr import achievement_batches

        register_upload_kind(
            UploadKind(
                name=achievement_batches.KIND,
                read=achievement_batches.read_upload,
                permission=Permission.SUBMIT_ACHIEVEMENTS,
                chooses_submission_type=False,
                recognises=achievement_batches.looks_like_achievement_file,
                process_rows=achievement_batches.process_achievement_rows,
                write_output=achievement_batches.write_achievement_output,
            )
        )
