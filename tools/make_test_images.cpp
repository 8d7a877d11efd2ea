// Writes the small image files the tests and the image_loader fuzzer start from: well-formed images
// (PNG, BMP, JPEG, TGA through stb_image_write; GIFs, one still and one animated, built here, as stb
// cannot write GIF) and files whose headers declare huge dimensions over a few bytes of data.
// Deterministic: run it again, get the same bytes.
//
//   g++ -std=c++20 -I/usr/include/stb tools/make_test_images.cpp -lstb -o /tmp/make_test_images
//   /tmp/make_test_images tests/data/images tests/fuzz_corpus/image_loader

#include <stb_image_write.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

using bytes = std::vector<std::uint8_t>;

void save(const std::filesystem::path& path, const bytes& data) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data.data()),
                                               static_cast<std::streamsize>(data.size()));
  std::printf("%s: %zu bytes\n", path.c_str(), data.size());
}

void append(void* context, void* data, int size) {
  auto* out = static_cast<bytes*>(context);
  const auto* first = static_cast<const std::uint8_t*>(data);
  out->insert(out->end(), first, first + size);
}

void put16le(bytes& b, std::uint32_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put32le(bytes& b, std::uint32_t v) {
  put16le(b, v & 0xffff);
  put16le(b, v >> 16);
}
void put32be(bytes& b, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(v >> shift));
}

std::uint32_t crc32(const std::uint8_t* p, std::size_t n) {
  std::uint32_t crc = 0xffffffffu;
  for (std::size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void png_chunk(bytes& out, const char* type, const bytes& data) {
  put32be(out, static_cast<std::uint32_t>(data.size()));
  bytes body(type, type + 4);
  body.insert(body.end(), data.begin(), data.end());
  out.insert(out.end(), body.begin(), body.end());
  put32be(out, crc32(body.data(), body.size()));
}

/// A PNG whose IHDR declares width x height RGB, followed by an empty IDAT: a header that lies.
bytes png_declaring(std::uint32_t width, std::uint32_t height) {
  bytes out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  bytes ihdr;
  put32be(ihdr, width);
  put32be(ihdr, height);
  ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});  // 8-bit, RGB, deflate, no filter, no interlace
  png_chunk(out, "IHDR", ihdr);
  png_chunk(out, "IDAT", {0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
  png_chunk(out, "IEND", {});
  return out;
}

/// A 24-bit BMP whose header declares width x height, with 6 bytes of pixel data.
bytes bmp_declaring(std::uint32_t width, std::uint32_t height) {
  bytes out = {'B', 'M'};
  put32le(out, 54 + 6);
  put32le(out, 0);
  put32le(out, 54);   // pixel data offset
  put32le(out, 40);   // BITMAPINFOHEADER
  put32le(out, width);
  put32le(out, height);
  put16le(out, 1);    // planes
  put16le(out, 24);   // bits per pixel
  put32le(out, 0);    // no compression
  for (int i = 0; i < 5; ++i) put32le(out, 0);
  out.insert(out.end(), 6, 0x80);
  return out;
}

using gif_palette = std::array<std::array<std::uint8_t, 3>, 4>;

/// One GIF image: descriptor and LZW data for width x height palette indices. LZW with a clear code
/// before every pixel keeps every code 3 bits wide: valid, just not compressed.
void gif_image(bytes& out, std::uint16_t width, std::uint16_t height, const std::vector<std::uint8_t>& indices) {
  out.push_back(0x2c);  // image descriptor
  put16le(out, 0);
  put16le(out, 0);
  put16le(out, width);
  put16le(out, height);
  out.push_back(0);
  out.push_back(2);     // LZW minimum code size: clear = 4, end = 5, codes 3 bits wide
  bytes lzw;
  std::uint32_t bits = 0;
  int count = 0;
  const auto emit = [&](std::uint32_t code) {
    bits |= code << count;
    count += 3;
    while (count >= 8) {
      lzw.push_back(static_cast<std::uint8_t>(bits));
      bits >>= 8;
      count -= 8;
    }
  };
  for (std::uint8_t index : indices) {
    emit(4);
    emit(index);
  }
  emit(5);
  if (count > 0) lzw.push_back(static_cast<std::uint8_t>(bits));
  for (std::size_t i = 0; i < lzw.size(); i += 255) {
    const std::size_t n = std::min<std::size_t>(255, lzw.size() - i);
    out.push_back(static_cast<std::uint8_t>(n));
    out.insert(out.end(), lzw.begin() + static_cast<std::ptrdiff_t>(i), lzw.begin() + static_cast<std::ptrdiff_t>(i + n));
  }
  out.push_back(0);
}

/// A GIF89a of width x height pixels with a 4-colour palette and one frame per entry of frames, each a
/// full-size image of palette indices. With more than one frame it is an animation as browsers write
/// them: a NETSCAPE2.0 loop extension, then before each frame a graphic control extension (0.5 s,
/// no disposal, no transparency).
bytes gif(std::uint16_t width, std::uint16_t height, const gif_palette& palette,
          const std::vector<std::vector<std::uint8_t>>& frames) {
  bytes out = {'G', 'I', 'F', '8', '9', 'a'};
  put16le(out, width);
  put16le(out, height);
  out.insert(out.end(), {0xf1, 0, 0});  // global colour table of 2^(1+1) entries
  for (const auto& c : palette) out.insert(out.end(), c.begin(), c.end());
  const bool animated = frames.size() > 1;
  if (animated) {  // application extension: loop forever
    out.insert(out.end(), {0x21, 0xff, 11, 'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0', 3, 1, 0, 0, 0});
  }
  for (const auto& indices : frames) {
    if (animated) {  // graphic control extension: disposal 1 (leave in place), delay 50 cs
      out.insert(out.end(), {0x21, 0xf9, 4, 0x04});
      put16le(out, 50);
      out.insert(out.end(), {0, 0});  // transparent index (unused), block terminator
    }
    gif_image(out, width, height, indices);
  }
  out.push_back(0x3b);
  return out;
}

/// A w x h test card with n channels: a red ramp across, a green ramp down, blue = their product.
bytes test_card(int w, int h, int n) {
  bytes p;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const int r = 255 * x / (w - 1), g = 255 * y / (h - 1), b = r * g / 255;
      const std::array<int, 4> rgba = {r, g, b, 255 - (x + y) * 255 / (w + h - 2)};
      if (n <= 2) p.push_back(static_cast<std::uint8_t>((r + g + b) / 3));
      if (n == 2) p.push_back(static_cast<std::uint8_t>(rgba[3]));
      if (n >= 3)
        for (int c = 0; c < n; ++c) p.push_back(static_cast<std::uint8_t>(rgba[static_cast<std::size_t>(c)]));
    }
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DATA_DIR CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path data = argv[1], corpus = argv[2];
  std::filesystem::create_directories(data);
  std::filesystem::create_directories(corpus);

  // tests/data/images: what the tests cannot make with stb_image_write.
  const gif_palette palette = {{{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}}};
  const bytes four_colours = gif(4, 2, palette, {{0, 1, 2, 3, 3, 2, 1, 0}});
  save(data / "four_colours.gif", four_colours);
  // Two frames that differ at every pixel: a loader must return the first (0 1 2 3 / 3 2 1 0).
  const bytes two_frames = gif(4, 2, palette, {{0, 1, 2, 3, 3, 2, 1, 0}, {1, 0, 3, 2, 2, 3, 0, 1}});
  save(data / "two_frames.gif", two_frames);
  save(data / "huge_dimensions.png", png_declaring(16000, 16000));       // 256 Mpx, which stb would try
  save(data / "too_wide.png", png_declaring(40000, 1));                  // one side past 32768
  save(data / "huge_dimensions.bmp", bmp_declaring(30000, 30000));       // 2.7 GB if decoded
  bytes huge_gif = four_colours;
  huge_gif[6] = huge_gif[7] = huge_gif[8] = huge_gif[9] = 0xff;          // logical screen 65535 x 65535
  huge_gif[0x1e] = huge_gif[0x1f] = huge_gif[0x20] = huge_gif[0x21] = 0xff;  // and the frame too
  save(data / "huge_dimensions.gif", huge_gif);

  // tests/fuzz_corpus/image_loader: one small valid file per format and channel count, and the liars.
  for (int n = 1; n <= 4; ++n) {
    const bytes card = test_card(8, 6, n);
    bytes png;
    stbi_write_png_to_func(append, &png, 8, 6, n, card.data(), 8 * n);
    save(corpus / ("card_" + std::to_string(n) + "ch.png"), png);
  }
  const bytes rgb = test_card(8, 6, 3);
  bytes bmp, jpg, tga;
  stbi_write_bmp_to_func(append, &bmp, 8, 6, 3, rgb.data());
  stbi_write_jpg_to_func(append, &jpg, 8, 6, 3, rgb.data(), 90);
  stbi_write_tga_to_func(append, &tga, 8, 6, 3, rgb.data());
  save(corpus / "card.bmp", bmp);
  save(corpus / "card.jpg", jpg);
  save(corpus / "card.tga", tga);
  save(corpus / "four_colours.gif", four_colours);
  save(corpus / "two_frames.gif", two_frames);
  save(corpus / "huge_dimensions.png", png_declaring(16000, 16000));
  save(corpus / "huge_dimensions.bmp", bmp_declaring(30000, 30000));
  return 0;
}
