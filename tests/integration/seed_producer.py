"""A small producer written the way the seed project's main.py was: plain
Python dicts with its camelCase keys and tuple locations, json.dumps with
default=str for UUIDs, confluent-kafka's Producer. Only the loop is shorter."""

import json
import random
import uuid
from datetime import datetime, timedelta

from confluent_kafka import Producer

LONDON = {"latitude": 51.5074, "longitude": -0.1278}
BIRMINGHAM = {"latitude": 52.4862, "longitude": -1.8904}
LAT_STEP = (BIRMINGHAM["latitude"] - LONDON["latitude"]) / 100
LON_STEP = (BIRMINGHAM["longitude"] - LONDON["longitude"]) / 100


def json_serializer(obj):
    if isinstance(obj, uuid.UUID):
        return str(obj)
    raise TypeError(f"Object of type {obj.__class__.__name__} is not JSON serializable")


def journey(steps, start):
    """Yields (topic, dict) exactly as the original's generate_* functions built them."""
    location = dict(LONDON)
    time = start
    device = "Vehicle-CodeWithYu-123"
    for _ in range(steps):
        location["latitude"] += LAT_STEP + random.uniform(-0.0005, 0.0005)
        location["longitude"] += LON_STEP + random.uniform(-0.0005, 0.0005)
        time += timedelta(seconds=random.randint(30, 60))
        ts = time.isoformat()
        loc = (location["latitude"], location["longitude"])
        yield "vehicle_data", {"id": uuid.uuid4(), "deviceId": device, "timestamp": ts,
                               "location": loc, "speed": random.uniform(10, 40),
                               "direction": "North-East", "make": "BMW", "model": "C500",
                               "year": 2024, "fuelType": "Hybrid"}
        yield "gps_data", {"id": uuid.uuid4(), "deviceId": device, "timestamp": ts,
                           "speed": random.uniform(0, 40), "direction": "North-East",
                           "vehicleType": "private"}
        yield "traffic_data", {"id": uuid.uuid4(), "deviceId": device, "cameraId": "Nikon-Cam123",
                               "location": loc, "timestamp": ts, "snapshot": "Base64EncodedString"}
        yield "weather_data", {"id": uuid.uuid4(), "deviceId": device, "location": loc,
                               "timestamp": ts, "temperature": random.uniform(-5, 26),
                               "weatherCondition": random.choice(["Sunny", "Cloudy", "Rain", "Snow"]),
                               "precipitation": random.uniform(0, 25),
                               "windSpeed": random.uniform(0, 100),
                               "humidity": random.randint(0, 100),
                               "airQualityIndex": random.uniform(0, 500)}
        yield "emergency_data", {"id": uuid.uuid4(), "deviceId": device, "incidentId": uuid.uuid4(),
                                 "type": random.choice(["Accident", "Fire", "Medical", "Police", "None"]),
                                 "timestamp": ts, "location": loc,
                                 "status": random.choice(["Active", "Resolved"]),
                                 "description": "Description of the incident"}


def produce(bootstrap, steps=100, start=None):
    """Publishes the journey; returns {topic: [dict, ...]} as sent."""
    producer = Producer({"bootstrap.servers": bootstrap})
    sent = {}
    for topic, data in journey(steps, start or datetime(2026, 11, 25, 9, 0, 0)):
        producer.produce(topic, key=str(data["id"]),
                         value=json.dumps(data, default=json_serializer).encode("utf-8"))
        sent.setdefault(topic, []).append(data)
    assert producer.flush(30) == 0
    return sent
