import { describe, expect, it } from "vitest";

import { fieldErrorsFrom } from "./items";

describe("fieldErrorsFrom", () => {
  it("maps FastAPI's validation errors to form fields", () => {
    const body = {
      detail: [
        { loc: ["body", "name"], msg: "String should have at least 1 character" },
        { loc: ["body", "name"], msg: "a second message is not shown" },
        { loc: ["body", "description"], msg: "String should have at most 2000 characters" },
      ],
    };
    expect(fieldErrorsFrom(body)).toEqual({
      name: "String should have at least 1 character",
      description: "String should have at most 2000 characters",
    });
  });

  it("finds no field errors in other bodies", () => {
    expect(fieldErrorsFrom({ detail: "Item not found" })).toEqual({});
    expect(fieldErrorsFrom(null)).toEqual({});
  });
});
