/*
 * Bench reference for section 9: the cheapest relay a proxy process can be on Linux, a TCP forwarder that
 * moves bytes socket → pipe → socket with splice(2), never copying them into user space, one thread per
 * direction per connection. No HTTP parsing at all: the wall time it adds over a direct upload is what the
 * extra loopback hop and process cost on this machine before any proxy logic runs.
 * Usage: splice-relay <upstream port>   Prints `{"port":N}` once listening on 127.0.0.1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* Both sockets of one relayed connection; closed by whichever direction finishes last. */
struct connection {
  int client;
  int upstream;
  int directions_open;
};

struct direction {
  int from;
  int to;
  struct connection *connection;
};

static int upstream_port;

static void *pump(void *arg) {
  struct direction *way = arg;
  int pipe_fds[2];
  if (pipe(pipe_fds) == 0) {
    for (;;) {
      ssize_t moved = splice(way->from, NULL, pipe_fds[1], NULL, 1 << 20, SPLICE_F_MOVE);
      if (moved <= 0) break;
      while (moved > 0) {
        ssize_t sent = splice(pipe_fds[0], NULL, way->to, NULL, (size_t)moved, SPLICE_F_MOVE);
        if (sent <= 0) goto done;
        moved -= sent;
      }
    }
  done:
    close(pipe_fds[0]);
    close(pipe_fds[1]);
  }
  shutdown(way->to, SHUT_WR);
  struct connection *connection = way->connection;
  if (__atomic_sub_fetch(&connection->directions_open, 1, __ATOMIC_ACQ_REL) == 0) {
    close(connection->client);
    close(connection->upstream);
    free(connection);
  }
  free(way);
  return NULL;
}

static void relay(int from, int to, struct connection *connection) {
  struct direction *way = malloc(sizeof *way);
  way->from = from;
  way->to = to;
  way->connection = connection;
  pthread_t thread;
  pthread_create(&thread, NULL, pump, way);
  pthread_detach(thread);
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  upstream_port = atoi(argv[1]);
  int one = 1;
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t length = sizeof address;
  if (bind(listener, (struct sockaddr *)&address, length) != 0 || listen(listener, 128) != 0) return 1;
  getsockname(listener, (struct sockaddr *)&address, &length);
  printf("{\"port\":%d}\n", ntohs(address.sin_port));
  fflush(stdout);
  for (;;) {
    int client = accept(listener, NULL, NULL);
    if (client < 0) continue;
    int upstream = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in target = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    target.sin_port = htons((unsigned short)upstream_port);
    if (connect(upstream, (struct sockaddr *)&target, sizeof target) != 0) {
      close(client);
      close(upstream);
      continue;
    }
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct connection *connection = malloc(sizeof *connection);
    connection->client = client;
    connection->upstream = upstream;
    connection->directions_open = 2;
    relay(client, upstream, connection);
    relay(upstream, client, connection);
  }
}
