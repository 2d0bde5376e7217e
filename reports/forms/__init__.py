"""Official forms: the records → a filled form (Biểu 06/VPCP/KSTT) and its files.

Counted from the records like a report, their identities checked, written as .xlsx, .docx and
.pdf. Jobs and approval use it; it uses the renderers' PDF conversion.
"""
