// Upload throughput of smartcity's S3 client against a plain `curl` upload of
// the same bytes to the same server (one signed PUT, its payload hash
// computed beforehand and not timed), run alternately. The server and the
// credentials come from the environment as for any s3:// lake
// (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
//
// Run: build/release/bench/s3_upload_bench s3://lake/bench MEGABYTES RUNS
// Prints one JSON object per line: {"client": "smartcity"|"curl", "seconds", "mib_per_s"},
// then, with RUNS = 0, only uploads once and checks the object: the mode the
// s3 integration test uses to exercise multipart uploads.
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "lake/s3_client.h"
#include "lake/s3_settings.h"

namespace smartcity {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

double seconds_since(std::chrono::steady_clock::time_point started) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

int run(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s s3://BUCKET/PREFIX MEGABYTES RUNS\n", argv[0]);
    return 2;
  }
  const std::string url = argv[1];
  const std::uint64_t megabytes = std::strtoull(argv[2], nullptr, 10);
  const int runs = std::atoi(argv[3]);
  lake::S3Settings settings = lake::load_s3_settings(url, lake::process_environment());
  lake::S3Client client(settings);
  const std::string key =
      (settings.location.prefix.empty() ? "" : settings.location.prefix + "/") + "upload.bin";

  // Random bytes: nothing on the way can compress them.
  const fs::path file = fs::temp_directory_path() / ("s3_upload_bench." + std::to_string(getpid()));
  {
    std::mt19937_64 random(7);
    std::string block(1 << 20, '\0');
    std::ofstream out(file, std::ios::binary);
    for (std::uint64_t m = 0; m < megabytes; ++m) {
      for (std::size_t i = 0; i < block.size(); i += 8) {
        const std::uint64_t word = random();
        std::memcpy(block.data() + i, &word, 8);
      }
      out.write(block.data(), static_cast<std::streamsize>(block.size()));
    }
  }
  const double mib = static_cast<double>(megabytes);

  if (runs == 0) {
    client.upload_file(file, key);
    const auto stored = client.get_object(key);
    const bool same = stored && lake::sha256_hex(*stored) == lake::sha256_hex(read_all(file));
    const bool no_uploads_left = client.list_multipart_uploads(key).empty();
    std::printf("{\"same_bytes\": %s, \"incomplete_uploads\": %s, \"bytes\": %zu}\n",
                same ? "true" : "false", no_uploads_left ? "false" : "true",
                stored ? stored->size() : 0);
    fs::remove(file);
    return same && no_uploads_left ? 0 : 1;
  }

  const std::string payload_hash = lake::sha256_hex(read_all(file));
  const std::string curl_command =
      "curl -sf -o /dev/null --aws-sigv4 aws:amz:" + settings.region + ":s3 --user '" +
      settings.access_key_id + ":" + settings.secret_access_key +
      "' -H 'x-amz-content-sha256: " + payload_hash + "' -T " + file.string() + " '" +
      settings.endpoint_url + "/" + settings.location.bucket + "/" + key + "'";
  for (int r = 0; r < runs; ++r) {
    auto started = std::chrono::steady_clock::now();
    client.upload_file(file, key);
    double seconds = seconds_since(started);
    std::printf("{\"client\": \"smartcity\", \"seconds\": %.3f, \"mib_per_s\": %.1f}\n", seconds,
                mib / seconds);
    started = std::chrono::steady_clock::now();
    if (std::system(curl_command.c_str()) != 0) {
      std::fprintf(stderr, "curl upload failed\n");
      return 1;
    }
    seconds = seconds_since(started);
    std::printf("{\"client\": \"curl\", \"seconds\": %.3f, \"mib_per_s\": %.1f}\n", seconds,
                mib / seconds);
    std::fflush(stdout);
  }
  fs::remove(file);
  return 0;
}

}  // namespace
}  // namespace smartcity

int main(int argc, char** argv) {
  try {
    return smartcity::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "s3_upload_bench: %s\n", e.what());
    return 1;
  }
}
