"""The phone page: pairing (pairing.py), the gate every HTTP request passes (gate.py), and the
page itself (static/), a plain client of the JSON API in device/api.py."""
