"""Tests of the note exporters (docx, markdown, text, json) and of the sanitizer."""
