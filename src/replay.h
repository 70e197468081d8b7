#ifndef SIGNETD_REPLAY_H
#define SIGNETD_REPLAY_H
#endif
