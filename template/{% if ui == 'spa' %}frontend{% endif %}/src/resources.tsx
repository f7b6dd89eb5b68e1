// The app's screens, by resource, in navigation order: App.tsx draws the navigation and the
// routes from this list. `make resource` adds entries (docs/adding-a-resource.md).

import type { ReactElement } from "react";

import { ItemCreate } from "./screens/ItemCreate";
import { ItemEdit } from "./screens/ItemEdit";
import { ItemList } from "./screens/ItemList";

export interface ResourceScreens {
  /** The navigation's link to the resource's list. */
  label: string;
  path: string;
  routes: { path: string; element: ReactElement }[];
}

export const resources: ResourceScreens[] = [
  {
    label: "Items",
    path: "/",
    routes: [
      { path: "/", element: <ItemList /> },
      { path: "/items/new", element: <ItemCreate /> },
      { path: "/items/:id/edit", element: <ItemEdit /> },
    ],
  },
  // make resource adds new resources above this line.
];
