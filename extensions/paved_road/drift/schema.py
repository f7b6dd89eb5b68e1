"""The JSON schema of the drift report, generated from the pydantic models.

``python -m paved_road.drift.schema`` rewrites the committed file; a test fails when it is stale.
"""

from __future__ import annotations

import json
from pathlib import Path

from .report import SCHEMA_VERSION, Report

SCHEMA_FILE = Path(__file__).parent / "schema" / f"drift-report.v{SCHEMA_VERSION}.json"


def schema_text() -> str:
    schema = Report.model_json_schema(mode="serialization")
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://paved-road.dev/schemas/drift-report.v{SCHEMA_VERSION}.json",
        **schema,
    }
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
