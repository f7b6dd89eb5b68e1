from fastapi.testclient import TestClient


def test_items_full_crud(client: TestClient) -> None:
    assert client.get("/api/items").json() == []

    created = client.post("/api/items", json={"name": "First", "description": "one"})
    assert created.status_code == 201
    item = created.json()
    assert item["name"] == "First"
    assert item["description"] == "one"
    assert created.headers["location"] == f"/api/items/{item['id']}"

    assert client.get(f"/api/items/{item['id']}").json()["name"] == "First"

    updated = client.patch(f"/api/items/{item['id']}", json={"name": "Renamed"})
    assert updated.status_code == 200
    assert updated.json()["name"] == "Renamed"
    assert updated.json()["description"] == "one"

    assert [i["name"] for i in client.get("/api/items").json()] == ["Renamed"]

    assert client.delete(f"/api/items/{item['id']}").status_code == 204
    assert client.get(f"/api/items/{item['id']}").status_code == 404


def test_invalid_item_is_rejected(client: TestClient) -> None:
    response = client.post("/api/items", json={"name": ""})
    assert response.status_code == 422


def test_missing_item_is_404(client: TestClient) -> None:
    assert client.patch("/api/items/999", json={"name": "x"}).status_code == 404
    assert client.delete("/api/items/999").status_code == 404
