"""HEAD on every GET route: the headers GET would send, no body.

In a file of its own, so products that edit the sample's tests merge template updates cleanly.
"""

from fastapi.testclient import TestClient


def test_get_routes_answer_head_without_a_body(client: TestClient) -> None:
    item = client.post("/api/items", json={"name": "Headed"}).json()
    for path in ("/api/items", f"/api/items/{item['id']}", "/api/items/999999"):
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code, path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.content == b"", path
    assert client.head("/api/items/999999").status_code == 404
