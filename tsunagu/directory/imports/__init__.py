"""Import and export of directory resources (docs/import-export.md).

Readers turn a file into units (`records.py`): 子ども食堂一覧 (`kodomo.py`), 公共施設一覧
(`facility.py`), any CSV with a column mapping (`mapped.py`) and tsunagu's own HSDS JSON
(`hsds_json.py`). `run.py` writes units through the directory's services, all or nothing;
`services.resources_import` is the entry point, `uploads.py` the staff page's two steps and
`export.py` the HSDS JSON and CSV exports.
"""
