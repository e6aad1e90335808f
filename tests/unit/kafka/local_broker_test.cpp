#include "kafka/local_broker.h"

#include <gtest/gtest.h>

#include <set>

namespace smartcity::kafka {
namespace {

TEST(LocalBroker, ClusterIdsLookLikeKafkasAndNeverStartWithADash) {
  // One draw in 64 used to start with '-', which Kafka's StorageTool reads as
  // an option: formatting then failed at random.
  std::set<std::string> seen;
  for (int i = 0; i < 10'000; ++i) {
    const std::string id = random_cluster_id();
    ASSERT_EQ(id.size(), 22u) << id;
    ASSERT_NE(id.front(), '-') << id;
    ASSERT_EQ(
        id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos)
        << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 10'000u);
}

}  // namespace
}  // namespace smartcity::kafka
