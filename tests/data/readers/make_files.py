"""Build binary fixtures (PDF, DOCX, ZIP) at test time, so no binary blob lives in the repository."""

from __future__ import annotations

import io
import zipfile

import docx
from pypdf import PdfReader
from pypdf import PdfWriter

LEADING = 14  # points between lines of the hand-made PDF page


def make_pdf(lines: list[str], title: str | None = None) -> bytes:
    """A one-page PDF showing ``lines`` in Helvetica, one per text line, with an optional Info title.

    Written by hand (header, five objects, xref table with exact offsets, trailer) so the test needs
    no PDF-writing library; cp1252 text, as the font uses WinAnsiEncoding.
    """
    shown = " ".join(f"({_pdf_string(line)}) Tj T*" for line in lines)
    stream = f"BT /F1 11 Tf {LEADING} TL 72 740 Td {shown} ET".encode("cp1252")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    if title is not None:
        objects.append(f"<< /Title ({_pdf_string(title)}) >>".encode("cp1252"))
    return _assemble(objects, info=6 if title is not None else None)


def encrypt_pdf(data: bytes, user_password: str) -> bytes:
    """``data`` re-written with RC4-128 encryption (pure Python in pypdf; AES would need a crypto package)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(title: str = "", core_title: str = "") -> bytes:
    """A DOCX with a Title, headings of two levels, body and list paragraphs and a 2x2 table."""
    document = docx.Document()
    document.core_properties.title = core_title
    if title:
        document.add_paragraph(title, style="Title")
    document.add_paragraph("Port security", style="Heading 1")
    document.add_paragraph("WeCAPS strengthens the security of ports in West Africa.")
    document.add_paragraph("Support port governance", style="List Bullet")
    document.add_paragraph("Components", style="Heading 2")
    document.add_paragraph("Print")
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, [("Country", "Budget"), ("Benin", "8.5m")]):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_zip_bomb(inflated_bytes: int = 20 * 1024 * 1024) -> bytes:
    """A DOCX-shaped ZIP whose one big member is zeros: small on disk, ratio near 1000."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        archive.writestr("word/media/padding.bin", bytes(inflated_bytes))
    return out.getvalue()


def make_zip(members: dict[str, bytes]) -> bytes:
    """A plain ZIP archive of ``members``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _pdf_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _assemble(objects: list[bytes], info: int | None) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    info_entry = b" /Info %d 0 R" % info if info else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, info_entry, xref_at)
    return bytes(out)
