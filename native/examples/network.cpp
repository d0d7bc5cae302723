// Cookbook: network. One task serves a small line protocol over TCP on
// 127.0.0.1, on a port the OS picks; another task is its client; the main
// thread blocks on their results. Every read and write suspends only its task.
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/write.hpp>
#include <cctype>
#include <iostream>
#include <sstream>
#include <string>
#include <threaded_async/asio.hpp>
#include <threaded_async/threaded_async.hpp>
#include <vector>

namespace ta = threaded_async;
using asio::ip::tcp;

// Reads one line, without its '\n'; `buffer` keeps what came after it.
std::string read_line(tcp::socket& socket, std::string& buffer) {
  const std::size_t n =
      asio::async_read_until(socket, asio::dynamic_buffer(buffer), '\n', ta::use_task);
  std::string line = buffer.substr(0, n - 1);
  buffer.erase(0, n);
  return line;
}

void write_line(tcp::socket& socket, const std::string& line) {
  asio::async_write(socket, asio::buffer(line + "\n"), ta::use_task);
}

// The protocol: "upper <text>" and "add <a> <b>"; "quit" ends the connection.
std::string answer(const std::string& request) {
  std::istringstream in(request);
  std::string verb;
  in >> verb;
  if (verb == "upper") {
    std::string text = request.substr(6);
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
  }
  if (verb == "add") {
    int a = 0, b = 0;
    in >> a >> b;
    return std::to_string(a + b);
  }
  return "unknown request '" + verb + "'";
}

// Serves one connection until its client says "quit"; returns how many requests it answered.
int serve(tcp::acceptor& acceptor) {
  tcp::socket peer = acceptor.async_accept(ta::use_task);
  std::string buffer;
  int answered = 0;
  for (std::string request; (request = read_line(peer, buffer)) != "quit"; ++answered) {
    write_line(peer, answer(request));
  }
  write_line(peer, "bye");
  return answered;
}

// Connects to `server`, sends each request and returns the replies.
std::vector<std::string> ask(tcp::endpoint server, std::vector<std::string> requests) {
  tcp::socket socket(ta::asio_executor());
  socket.async_connect(server, ta::use_task);
  std::string buffer;
  std::vector<std::string> replies;
  for (const std::string& request : requests) {
    write_line(socket, request);
    replies.push_back(read_line(socket, buffer));
  }
  return replies;
}

int main() {
  ta::AsyncRunner runner;
  // Port 0: the OS picks a free one. The acceptor goes before the runner does.
  tcp::acceptor acceptor(ta::asio_executor(runner),
                         tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  auto server = runner.create_task([&acceptor] { return serve(acceptor); });
  auto client = runner.create_task(ask, acceptor.local_endpoint(),
                                   std::vector<std::string>{"upper hello", "add 2 40", "quit"});
  for (const std::string& reply : client.wait()) std::cout << "client got: " << reply << "\n";
  std::cout << "server answered " << server.wait() << " requests\n";
}
