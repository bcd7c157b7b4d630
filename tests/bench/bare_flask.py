"""The reference for HTTP throughput: a bare Flask app, no auth, no storage, under the same gunicorn."""

from flask import Flask, jsonify, request

app = Flask("bare")


@app.get("/item")
def read_item():  # type: ignore[no-untyped-def]
    return jsonify({"id": "bare", "name": "Bare item", "version": 1})


@app.put("/item")
def write_item():  # type: ignore[no-untyped-def]
    body = request.get_json()
    return jsonify({"id": "bare", "amount": body.get("amount"), "version": 1})
