"""The JSON schema of the fleet report, generated from the pydantic models.

``python -m paved_road.fleet.schema`` rewrites the committed file; a test fails when it is stale.
"""

from __future__ import annotations

import json
from pathlib import Path

from .report import SCHEMA_VERSION, FleetReport

SCHEMA_FILE = Path(__file__).parent / "schema" / f"fleet-report.v{SCHEMA_VERSION}.json"


def schema_text() -> str:
    schema = FleetReport.model_json_schema(mode="serialization")
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://paved-road.dev/schemas/fleet-report.v{SCHEMA_VERSION}.json",
        **schema,
    }
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
