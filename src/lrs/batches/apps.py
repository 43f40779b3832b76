from django.apps import AppConfig


class BatchesConfig(AppConfig):
    name = "lrs.batches"
    label = "batches"
    verbose_name = "Batch files"

    def ready(self) -> None:
        # Verify files (role verify learner) go through the batch machinery as their own kind.
        from lrs.batches import verify_files
        from lrs.batches.uploads import UploadKind, register_upload_kind
        from lrs.core.roles import Permission

        register_upload_kind(
            UploadKind(
                name=verify_files.KIND,
                read=verify_files.read_upload,
                permission=Permission.VERIFY_LEARNER,
                chooses_submission_type=False,
                process_rows=verify_files.process_verify_rows,
                write_output=verify_files.write_verify_output,
            )
        )
