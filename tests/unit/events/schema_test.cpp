#include "events/schema.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace smartcity::events {
namespace {

TEST(Schema, FiveEventsWithDistinctTopicsAndTables) {
  std::set<std::string_view> topics, tables;
  for (const EventSpec& event : all_events()) {
    topics.insert(event.topic);
    tables.insert(event.table);
    EXPECT_EQ(&spec(event.kind), &event);
    EXPECT_EQ(kind_for_topic(event.topic), event.kind);
    EXPECT_EQ(kind_for_table(event.table), event.kind);
    EXPECT_LE(event.fields.size(), kMaxFields);
  }
  EXPECT_EQ(topics.size(), kEventKindCount);
  EXPECT_EQ(tables.size(), kEventKindCount);
  EXPECT_EQ(topics, (std::set<std::string_view>{"vehicle_data", "gps_data", "traffic_data",
                                                "weather_data", "emergency_data"}));
  EXPECT_FALSE(kind_for_topic("nope").has_value());
}

TEST(Schema, EveryEventHasIdDeviceAndTimestamp) {
  for (const EventSpec& event : all_events()) {
    for (const char* name : {"id", "device_id", "timestamp"}) {
      const int index = event.field_index(name);
      ASSERT_GE(index, 0) << event.table << " lacks " << name;
      EXPECT_TRUE(event.fields[static_cast<std::size_t>(index)].required);
    }
  }
}

TEST(Schema, FieldNamesAreUniqueSnakeCaseAndDoNotCollideWithLineage) {
  for (const EventSpec& event : all_events()) {
    std::set<std::string_view> names;
    for (const FieldSpec& field : event.fields) {
      EXPECT_TRUE(names.insert(field.name).second) << event.table << "." << field.name;
      for (char c : field.name)
        EXPECT_TRUE(std::islower(c) || c == '_') << field.name;
      for (const LineageColumn& column : lineage_columns())
        EXPECT_NE(field.name, column.name);
    }
  }
}

TEST(Schema, TypesFollowTheDesign) {
  const EventSpec& vehicle = spec(EventKind::kVehicle);
  EXPECT_EQ(vehicle.fields[vehicle.field_index("year")].type, FieldType::kInt32);
  EXPECT_EQ(vehicle.fields[vehicle.field_index("speed")].unit, "km/h");
  EXPECT_EQ(vehicle.fields[vehicle.field_index("fuel_type")].seed_name, "fuelType");
  const EventSpec& weather = spec(EventKind::kWeather);
  EXPECT_EQ(weather.fields[weather.field_index("humidity")].type, FieldType::kInt32);
  EXPECT_EQ(weather.fields[weather.field_index("temperature")].unit, "°C");
  const EventSpec& gps = spec(EventKind::kGps);
  EXPECT_FALSE(gps.fields[gps.field_index("latitude")].required);
}

TEST(Schema, OriginalConditionSpellingsMapToCanonicalOnes) {
  const EnumSpec& weather = weather_conditions();
  EXPECT_EQ(weather.canonicalize("Rain"), "Rainy");
  EXPECT_EQ(weather.canonicalize("Snow"), "Snowy");
  EXPECT_EQ(weather.canonicalize("Sunny"), "Sunny");
  EXPECT_FALSE(weather.canonicalize("Foggy").has_value());
  EXPECT_FALSE(weather.canonicalize("sunny").has_value());
  EXPECT_EQ(incident_statuses().canonicalize("Resolved"), "Resolved");
  EXPECT_FALSE(incident_types().canonicalize("Flood").has_value());
}

}  // namespace
}  // namespace smartcity::events
