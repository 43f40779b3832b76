"""The real service's SOAP web services (`LearnerService.svc`), over the same services as the
portal and the JSON API (docs/soap.md)."""
