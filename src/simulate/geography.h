// Real UK places for the simulated fleet: city coordinates, distances and
// bearings on the sphere, and the fixed traffic-camera sites.
#pragma once

#include <span>
#include <string_view>

namespace smartcity::simulate {

struct GeoPoint {
  double latitude;
  double longitude;
};

struct City {
  std::string_view name;
  std::string_view code;  // three letters, for camera ids
  GeoPoint location;
};

// Sixteen UK cities with their real coordinates (city centres).
std::span<const City> uk_cities();
const City& london();
const City& birmingham();

struct CameraSite {
  std::string_view id;
  GeoPoint location;
};
// Fixed camera sites: four around each city. Ids and places never change.
std::span<const CameraSite> camera_sites();
const CameraSite& nearest_camera(GeoPoint point);

double distance_km(GeoPoint a, GeoPoint b);
// Initial bearing from a to b, degrees clockwise from north, in [0, 360).
double bearing_degrees(GeoPoint a, GeoPoint b);
// "North", "North-East", ... for a bearing.
std::string_view compass_direction(double bearing);
// The point a fraction `t` (0..1) of the way from a to b.
GeoPoint interpolate(GeoPoint a, GeoPoint b, double t);

}  // namespace smartcity::simulate
