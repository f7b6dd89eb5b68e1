import { ThemeProvider } from "@mui/material/styles";
import { cleanup, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";

import { ApiError } from "../api/client";
import type { ItemInput } from "../api/items";
import { theme } from "../theme/theme";
import { ItemForm } from "./ItemForm";

afterEach(cleanup);

function renderForm(onSubmit: (input: ItemInput) => Promise<unknown>) {
  render(
    <ThemeProvider theme={theme}>
      <ItemForm submitLabel="Create item" onSubmit={onSubmit} />
    </ThemeProvider>,
  );
}

describe("ItemForm", () => {
  it("shows the server's message under the field it refused", async () => {
    renderForm(async () => {
      throw new ApiError("Request failed (422)", 422, { name: "Name is too short" });
    });
    await userEvent.click(screen.getByRole("button", { name: "Create item" }));
    const name = screen.getByRole("textbox", { name: /name/i });
    expect(await screen.findByText("Name is too short")).toBeTruthy();
    expect(name.getAttribute("aria-invalid")).toBe("true");
  });

  it("submits what was typed and shows a failure that belongs to no field", async () => {
    const submitted: ItemInput[] = [];
    renderForm(async (input) => {
      submitted.push(input);
      throw new ApiError("Item not found", 404);
    });
    await userEvent.type(screen.getByRole("textbox", { name: /name/i }), "Lamp");
    await userEvent.type(screen.getByRole("textbox", { name: /description/i }), "Bright");
    await userEvent.click(screen.getByRole("button", { name: "Create item" }));
    expect(await screen.findByRole("alert")).toHaveProperty("textContent", "Item not found");
    expect(submitted).toEqual([{ name: "Lamp", description: "Bright" }]);
  });
});
