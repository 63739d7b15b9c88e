// cxx: C++ on a static libstdc++ — virtual calls, templates and lambdas, std::sort/map/string/iostream,
// and exceptions thrown through 100 frames (the DWARF unwinder reading .eh_frame).
#include <algorithm>
#include <cstdint>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

struct Shape {
  virtual ~Shape() = default;
  virtual double area() const = 0;
  virtual std::string name() const = 0;
};
struct Rect : Shape {
  double w, h;
  Rect(double w, double h) : w(w), h(h) {}
  double area() const override { return w * h; }
  std::string name() const override { return "rect"; }
};
struct Circle : Shape {
  double r;
  explicit Circle(double r) : r(r) {}
  double area() const override { return 3.14159 * r * r; }
  std::string name() const override { return "circle"; }
};

static int depth(int n) {
  if (n == 0) throw std::runtime_error("bottom reached");
  return depth(n - 1) + 1;
}

int main() {
  std::vector<std::unique_ptr<Shape>> shapes;
  for (int i = 1; i <= 6; i++) {
    if (i % 2) shapes.push_back(std::make_unique<Rect>(i, i + 1));
    else shapes.push_back(std::make_unique<Circle>(i));
  }
  std::sort(shapes.begin(), shapes.end(), [](auto &a, auto &b) { return a->area() > b->area(); });
  for (auto &s : shapes) std::cout << s->name() << " " << s->area() << "\n";
  std::map<std::string, int> counts;
  std::istringstream in("the quick brown fox jumps over the lazy dog the end");
  for (std::string w; in >> w;) counts[w]++;
  for (auto &[w, c] : counts) std::cout << w << "=" << c << " ";
  std::cout << "\n";
  try {
    depth(100);
  } catch (const std::exception &e) {
    std::cout << "caught: " << e.what() << "\n";
  }
  try {
    std::vector<int> v(3);
    v.at(10) = 1;
  } catch (const std::out_of_range &) {
    std::cout << "out_of_range caught\n";
  }
  std::function<uint64_t(int)> fib = [&](int n) -> uint64_t { return n < 2 ? n : fib(n - 1) + fib(n - 2); };
  std::cout << "fib(20)=" << fib(20) << std::hex << " hex=" << 255 << std::dec << "\n";
  std::string digits;
  for (int i = 0; i < 1000; i++) digits += std::to_string(i % 10);
  std::cout << digits.size() << " " << std::count(digits.begin(), digits.end(), '7') << "\n";
  return 0;
}
