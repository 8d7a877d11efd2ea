#include <constnet/constnet.hpp>
#include <constnet/models/seed_cnns.hpp>

#include <vector>

static_assert(constnet::models::cifar10_cnn::total_params == 258'762);

int main() {
  constnet::model<constnet::models::cifar10_cnn> m;
  constnet::he_normal(m, 1);
  std::vector<float> image(m.input_elements, 0.5f);
  const auto p = m.forward(std::span<const float>(image));
  // stb comes with the package: a picture of the first layer's maps, encoded and decoded again.
  const auto picture = constnet::viz::feature_map_grid(m, "conv2d", image, {.rows = 2, .cols = 4});
  const auto decoded = constnet::io::decode_image(constnet::viz::encode_png(picture));
  return p.size() == 10 && decoded.width() == picture.width() ? 0 : 1;
}
