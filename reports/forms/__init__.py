"""The official statistical forms (Biểu 06/VPCP/KSTT …): counted from the records like a report,
their identities checked, written as .xlsx, .docx and .pdf. A stage between ``produce`` and
``render``: jobs and approval use it; it uses the renderers' PDF conversion."""
