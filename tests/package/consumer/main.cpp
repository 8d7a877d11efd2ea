#include <constnet/constnet.hpp>
#include <constnet/models/seed_cnns.hpp>

#include <vector>

static_assert(constnet::models::cifar10_cnn::total_params == 258'762);

int main() {
  constnet::model<constnet::models::cifar10_cnn> m;
  constnet::he_normal(m, 1);
  std::vector<float> image(m.input_elements, 0.5f);
  const auto p = m.forward(std::span<const float>(image));
  return p.size() == 10 ? 0 : 1;
}
