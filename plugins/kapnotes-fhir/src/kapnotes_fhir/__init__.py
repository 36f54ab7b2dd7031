"""kapnotes-fhir: the kapnotes record as FHIR R4, and PHQ-9/GAD-7 QuestionnaireResponses back in.

Exporters (``kapnotes export --to ...``): ``fhir-collection``, ``fhir-transaction``,
``fhir-document`` (one signed note) and ``fhir-ndjson`` (Bulk Data, streaming). Import:
:func:`kapnotes_fhir.importer.import_questionnaire_responses` and ``kapnotes fhir-import``.
Every code sent is in :mod:`kapnotes_fhir.codes`, with its source.
"""

__version__ = "0.1.0"
