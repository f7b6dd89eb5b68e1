import { describe, expect, it } from "vitest";

import { fieldErrorsFrom } from "./client";

describe("fieldErrorsFrom", () => {
  it("maps FastAPI's validation errors to form fields, as sentences", () => {
    const body = {
      detail: [
        { loc: ["body", "name"], msg: "…", type: "string_too_short", ctx: { min_length: 1 } },
        { loc: ["body", "name"], msg: "a second message is not shown", type: "missing" },
        {
          loc: ["body", "description"],
          msg: "String should have at most 2000 characters",
          type: "string_too_long",
          ctx: { max_length: 2000 },
        },
        { loc: ["body", "count"], msg: "…", type: "int_parsing" },
        { loc: ["body", "other"], msg: "not a field of this form", type: "missing" },
      ],
    };
    expect(fieldErrorsFrom(body, ["name", "description", "count"])).toEqual({
      name: "Enter a value.",
      description: "Use at most 2000 characters.",
      count: "Enter a whole number, such as 3.",
    });
  });

  it("finds no field errors in other bodies", () => {
    expect(fieldErrorsFrom({ detail: "Item not found" }, ["name"])).toEqual({});
    expect(fieldErrorsFrom(null, ["name"])).toEqual({});
  });
});
