"""Idempotency-Key on POST: a retry after a lost answer returns the first answer, not a second
item. Runs on the product's own database."""

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient


def test_a_retry_with_the_same_key_replays_the_first_answer(client: TestClient) -> None:
    headers = {"Idempotency-Key": "order-7f3a"}
    first = client.post("/api/items", json={"name": "Lamp"}, headers=headers)
    again = client.post("/api/items", json={"name": "Lamp"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert [item["id"] for item in client.get("/api/items").json()] == [first.json()["id"]]


def test_the_same_key_for_another_request_is_refused(client: TestClient) -> None:
    headers = {"Idempotency-Key": "order-7f3a"}
    assert client.post("/api/items", json={"name": "Lamp"}, headers=headers).status_code == 201
    other = client.post("/api/items", json={"name": "Desk"}, headers=headers)
    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    assert [item["name"] for item in client.get("/api/items").json()] == ["Lamp"]


def test_different_keys_and_no_key_create_separate_items(client: TestClient) -> None:
    for headers in ({"Idempotency-Key": "a"}, {"Idempotency-Key": "b"}, {}, {}):
        assert client.post("/api/items", json={"name": "Lamp"}, headers=headers).status_code == 201
    assert len(client.get("/api/items").json()) == 4


def test_a_malformed_key_is_422(client: TestClient) -> None:
    for key in ("x" * 256, "has space"):
        response = client.post(
            "/api/items", json={"name": "Lamp"}, headers={"Idempotency-Key": key}
        )
        assert response.status_code == 422, key
    assert client.get("/api/items").json() == []


def test_concurrent_retries_with_one_key_create_one_item(client: TestClient) -> None:
    """Retries racing each other (a client that times out and retries at once): each one is
    answered with the same 201, and one item exists."""
    headers = {"Idempotency-Key": "order-race"}

    def post(_: int) -> tuple[int, dict[str, object]]:
        response = client.post("/api/items", json={"name": "Lamp"}, headers=headers)
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(post, range(8)))
    assert {status for status, _ in answers} == {201}, answers
    assert len({str(body) for _, body in answers}) == 1, "every retry gets the first answer"
    assert len(client.get("/api/items").json()) == 1
