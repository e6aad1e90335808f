// Weather that is coherent in space and time: smooth random fields over
// latitude, longitude and hours, fixed by the seed, from which every weather
// record is read. Neighbouring vehicles see similar weather; it changes over
// hours, not from one record to the next.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/clock.h"
#include "simulate/geography.h"

namespace smartcity::simulate {

struct WeatherReading {
  double temperature_c;
  std::string_view condition;  // canonical: Sunny, Cloudy, Rainy, Snowy
  double precipitation_mm;     // > 0 only when Rainy or Snowy
  double wind_speed_kmh;
  int humidity_percent;      // 0..100
  double air_quality_index;  // 0..500
};

class WeatherModel {
 public:
  explicit WeatherModel(std::uint64_t seed);

  // Snow falls only at or below this temperature.
  static constexpr double kSnowBelowC = 1.0;

  WeatherReading at(GeoPoint where, UnixMicros when) const;

 private:
  struct Wave {
    double k_lat, k_lon, omega, phase;
  };
  // A smooth field in [-1, 1]: a sum of a few plane waves.
  double field(int which, GeoPoint where, double hours) const;

  static constexpr int kFields = 5;
  static constexpr int kWaves = 4;
  Wave waves_[kFields][kWaves];
};

}  // namespace smartcity::simulate
