#include "simulate/geography.h"

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace smartcity::simulate {
namespace {

constexpr double kEarthRadiusKm = 6371.0;
constexpr double kPi = 3.14159265358979323846;
constexpr double radians(double degrees) {
  return degrees * kPi / 180.0;
}

constexpr std::array<City, 16> kCities{{
    {"London", "LON", {51.5074, -0.1278}},
    {"Birmingham", "BIR", {52.4862, -1.8904}},
    {"Manchester", "MAN", {53.4808, -2.2426}},
    {"Leeds", "LDS", {53.8008, -1.5491}},
    {"Liverpool", "LIV", {53.4084, -2.9916}},
    {"Bristol", "BRS", {51.4545, -2.5879}},
    {"Sheffield", "SHF", {53.3811, -1.4701}},
    {"Newcastle", "NCL", {54.9783, -1.6178}},
    {"Nottingham", "NOT", {52.9548, -1.1581}},
    {"Leicester", "LEI", {52.6369, -1.1398}},
    {"Oxford", "OXF", {51.7520, -1.2577}},
    {"Cambridge", "CAM", {52.2053, 0.1218}},
    {"Southampton", "SOU", {50.9097, -1.4044}},
    {"Cardiff", "CDF", {51.4816, -3.1791}},
    {"Glasgow", "GLA", {55.8642, -4.2518}},
    {"Edinburgh", "EDI", {55.9533, -3.1883}},
}};

struct Cameras {
  std::vector<std::string> ids;
  std::vector<CameraSite> sites;
  Cameras() {
    // Four cameras on the approaches to each city, about 4 km out.
    constexpr std::array<std::pair<double, double>, 4> kOffsets{
        {{0.036, 0.0}, {0.0, 0.058}, {-0.036, 0.0}, {0.0, -0.058}}};
    ids.reserve(kCities.size() * kOffsets.size());
    for (const City& city : kCities) {
      for (std::size_t i = 0; i < kOffsets.size(); ++i) {
        ids.push_back("CAM-" + std::string(city.code) + "-" + std::to_string(i + 1));
      }
    }
    std::size_t next = 0;
    for (const City& city : kCities) {
      for (const auto& [dlat, dlon] : kOffsets) {
        sites.push_back(
            {ids[next++], {city.location.latitude + dlat, city.location.longitude + dlon}});
      }
    }
  }
};

const Cameras& cameras() {
  static const Cameras kCameras;
  return kCameras;
}

}  // namespace

std::span<const City> uk_cities() {
  return kCities;
}
const City& london() {
  return kCities[0];
}
const City& birmingham() {
  return kCities[1];
}

std::span<const CameraSite> camera_sites() {
  return cameras().sites;
}

const CameraSite& nearest_camera(GeoPoint point) {
  // Ranking by squared distance on a local flat projection picks the same
  // nearest site as the haversine at these scales, without any trigonometry
  // per site (this runs for every simulated step).
  const double shrink = std::cos(radians(point.latitude));
  const auto& sites = cameras().sites;
  const CameraSite* best = &sites.front();
  double best_score = std::numeric_limits<double>::infinity();
  for (const CameraSite& site : sites) {
    const double dlat = site.location.latitude - point.latitude;
    const double dlon = (site.location.longitude - point.longitude) * shrink;
    const double score = dlat * dlat + dlon * dlon;
    if (score < best_score) {
      best = &site;
      best_score = score;
    }
  }
  return *best;
}

double distance_km(GeoPoint a, GeoPoint b) {
  const double dlat = radians(b.latitude - a.latitude);
  const double dlon = radians(b.longitude - a.longitude);
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(radians(a.latitude)) * std::cos(radians(b.latitude)) *
                       std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

double bearing_degrees(GeoPoint a, GeoPoint b) {
  const double phi1 = radians(a.latitude);
  const double phi2 = radians(b.latitude);
  const double dlon = radians(b.longitude - a.longitude);
  const double y = std::sin(dlon) * std::cos(phi2);
  const double x =
      std::cos(phi1) * std::sin(phi2) - std::sin(phi1) * std::cos(phi2) * std::cos(dlon);
  const double degrees = std::atan2(y, x) * 180.0 / kPi;
  return std::fmod(degrees + 360.0, 360.0);
}

std::string_view compass_direction(double bearing) {
  static constexpr std::array<std::string_view, 8> kNames{
      "North", "North-East", "East", "South-East", "South", "South-West", "West", "North-West"};
  const auto sector = static_cast<std::size_t>(std::fmod(bearing + 22.5, 360.0) / 45.0);
  return kNames[sector % kNames.size()];
}

GeoPoint interpolate(GeoPoint a, GeoPoint b, double t) {
  return {a.latitude + (b.latitude - a.latitude) * t,
          a.longitude + (b.longitude - a.longitude) * t};
}

}  // namespace smartcity::simulate
