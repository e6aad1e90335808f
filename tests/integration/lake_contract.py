"""An independent reading of the event contract (DESIGN.md), for tests.

It does not use smartcity's code: it knows the wire formats from the design
document and decides, for a raw Kafka record, whether it is valid and what the
lake row must hold. Tests compare smartcity's lake against it."""

import datetime as dt
import json
import math

# canonical name -> (original producer's key, type, required)
SCHEMA = {
    "vehicle_data": [("id", "id", "str", True), ("device_id", "deviceId", "str", True),
                     ("timestamp", "timestamp", "ts", True), ("latitude", "location", "lat", True),
                     ("longitude", "location", "lon", True), ("speed", "speed", "float", True),
                     ("direction", "direction", "str", True), ("make", "make", "str", True),
                     ("model", "model", "str", True), ("year", "year", "int", True),
                     ("fuel_type", "fuelType", "str", True)],
    "gps_data": [("id", "id", "str", True), ("device_id", "deviceId", "str", True),
                 ("timestamp", "timestamp", "ts", True), ("latitude", "location", "lat", False),
                 ("longitude", "location", "lon", False), ("speed", "speed", "float", True),
                 ("direction", "direction", "str", True),
                 ("vehicle_type", "vehicleType", "str", True)],
    "traffic_data": [("id", "id", "str", True), ("device_id", "deviceId", "str", True),
                     ("camera_id", "cameraId", "str", True), ("timestamp", "timestamp", "ts", True),
                     ("latitude", "location", "lat", True), ("longitude", "location", "lon", True),
                     ("snapshot", "snapshot", "str", True)],
    "weather_data": [("id", "id", "str", True), ("device_id", "deviceId", "str", True),
                     ("timestamp", "timestamp", "ts", True), ("latitude", "location", "lat", True),
                     ("longitude", "location", "lon", True),
                     ("temperature", "temperature", "float", True),
                     ("weather_condition", "weatherCondition", "weather", True),
                     ("precipitation", "precipitation", "float", True),
                     ("wind_speed", "windSpeed", "float", True), ("humidity", "humidity", "int", True),
                     ("air_quality_index", "airQualityIndex", "float", True)],
    "emergency_data": [("id", "id", "str", True), ("device_id", "deviceId", "str", True),
                       ("incident_id", "incidentId", "str", True), ("type", "type", "incident", True),
                       ("timestamp", "timestamp", "ts", True), ("latitude", "location", "lat", True),
                       ("longitude", "location", "lon", True), ("status", "status", "status", True),
                       ("description", "description", "str", True)],
}
WEATHER = {"Sunny": "Sunny", "Cloudy": "Cloudy", "Rainy": "Rainy", "Snowy": "Snowy",
           "Rain": "Rainy", "Snow": "Snowy"}
INCIDENTS = {"Accident", "Fire", "Medical", "Police", "None"}
STATUSES = {"Active", "Resolved"}
MAX_RECORD_BYTES = 1024 * 1024


class Invalid(Exception):
    pass


def _timestamp(value):
    if isinstance(value, bool):
        raise Invalid("bool timestamp")
    if isinstance(value, int):
        return dt.datetime.fromtimestamp(value / 1000, tz=dt.timezone.utc)
    if not isinstance(value, str):
        raise Invalid("timestamp type")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as e:
        raise Invalid(str(e))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid("not a number")
    if not math.isfinite(float(value)):
        raise Invalid("not finite")
    return float(value)


def _integer(value):
    if isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            raise Invalid("not an integer string")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid("not an integer")
    if not -2**31 <= value < 2**31:
        raise Invalid("int32 range")
    return value


def expected_row(topic, raw: bytes):
    """The field values the lake must hold for `raw`, or raises Invalid."""
    if not raw:
        raise Invalid("empty")
    if len(raw) > MAX_RECORD_BYTES:
        raise Invalid("oversized")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("utf-8")
    try:
        obj = json.loads(text)
    except ValueError:
        raise Invalid("json")
    if not isinstance(obj, dict):
        raise Invalid("not an object")
    row = {}
    for name, seed_name, kind, required in SCHEMA[topic]:
        if kind in ("lat", "lon"):
            if name in obj:
                value = obj[name]
            elif "location" in obj and obj["location"] is not None:
                loc = obj["location"]
                if not isinstance(loc, list) or len(loc) != 2:
                    raise Invalid("location shape")
                value = loc[0 if kind == "lat" else 1]
            else:
                value = None
        else:
            value = obj.get(name, obj.get(seed_name))
        if value is None:
            if required:
                raise Invalid(f"missing {name}")
            row[name] = None
            continue
        if kind == "str":
            if not isinstance(value, str):
                raise Invalid(f"{name} type")
        elif kind == "ts":
            value = _timestamp(value)
        elif kind == "float":
            value = _number(value)
        elif kind == "int":
            value = _integer(value)
            if name == "humidity" and not 0 <= value <= 100:
                raise Invalid("humidity range")
        elif kind == "lat":
            value = _number(value)
            if not -90 <= value <= 90:
                raise Invalid("latitude range")
        elif kind == "lon":
            value = _number(value)
            if not -180 <= value <= 180:
                raise Invalid("longitude range")
        elif kind == "weather":
            if value not in WEATHER:
                raise Invalid("weather")
            value = WEATHER[value]
        elif kind == "incident":
            if value not in INCIDENTS:
                raise Invalid("incident")
        elif kind == "status":
            if value not in STATUSES:
                raise Invalid("status")
        row[name] = value
    return row
