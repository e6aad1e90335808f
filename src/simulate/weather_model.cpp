#include "simulate/weather_model.h"

#include <algorithm>
#include <cmath>

#include "simulate/random.h"

namespace smartcity::simulate {
namespace {

constexpr double kTwoPi = 6.28318530717958647692;
enum Field { kTemperature, kWetness, kCloud, kWind, kAir };

}  // namespace

WeatherModel::WeatherModel(std::uint64_t seed) {
  Random random(seed ^ 0x57ea7e4ULL);
  for (auto& waves : waves_) {
    for (Wave& wave : waves) {
      // Weather systems a few hundred km across that drift over hours.
      wave = {random.uniform(0.3, 1.6), random.uniform(0.3, 1.6), random.uniform(0.05, 0.4),
              random.uniform(0, kTwoPi)};
    }
  }
}

double WeatherModel::field(int which, GeoPoint where, double hours) const {
  double sum = 0;
  for (const Wave& wave : waves_[which]) {
    sum += std::sin(wave.k_lat * where.latitude + wave.k_lon * where.longitude +
                    wave.omega * hours + wave.phase);
  }
  return sum / kWaves;
}

WeatherReading WeatherModel::at(GeoPoint where, UnixMicros when) const {
  const double hours = static_cast<double>(when.value) / 3.6e9;
  const double hour_of_day = std::fmod(hours, 24.0);
  WeatherReading reading{};
  // A British late-autumn day: warmest mid-afternoon, colder further north.
  reading.temperature_c = 6.0 + 4.0 * std::cos(kTwoPi * (hour_of_day - 15.0) / 24.0) -
                          0.8 * (where.latitude - 52.0) + 6.0 * field(kTemperature, where, hours);
  const double wetness = (field(kWetness, where, hours) + 1) / 2;  // 0..1
  const double cloud = (field(kCloud, where, hours) + 1) / 2;
  if (wetness > 0.62) {
    reading.condition = reading.temperature_c <= kSnowBelowC ? "Snowy" : "Rainy";
    reading.precipitation_mm = std::round((wetness - 0.62) * 60.0 * 10.0) / 10.0 + 0.1;
  } else {
    reading.condition = cloud > 0.45 ? "Cloudy" : "Sunny";
    reading.precipitation_mm = 0.0;
  }
  reading.wind_speed_kmh = 6.0 + 40.0 * (field(kWind, where, hours) + 1) / 2;
  reading.humidity_percent =
      std::clamp(static_cast<int>(std::lround(50.0 + 45.0 * wetness + 5.0 * cloud)), 0, 100);
  reading.air_quality_index =
      std::clamp(25.0 + 90.0 * (field(kAir, where, hours) + 1) / 2 - 10.0 * wetness, 0.0, 500.0);
  return reading;
}

}  // namespace smartcity::simulate
