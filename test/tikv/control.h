/*
** control.h: the C side of the fake cluster's control channel
** (test/fake_tikv/README.md lists the commands). Header-only, for the TiKV
** client test programs.
**
**   const char *a = ctl_addr();          NULL when running against a real
**                                        cluster: skip fault-injection tests
**   char r[512];
**   ctl(a, "split 6a", r, sizeof r);     0 = "ok ...", 1 = "err ...",
**                                        -1 = cannot talk to the fake
**   ctlf(r, sizeof r, "move_leader %llu %d", id, 2);   printf-style, ctl_addr()
**
** zReply receives the reply line without the leading "ok " / "err " and
** without the newline (truncated to nReply-1 bytes). One TCP connection per
** command; a 30 s receive timeout keeps a broken fake from hanging a test.
*/
#ifndef TITO_TEST_TIKV_CONTROL_H
#define TITO_TEST_TIKV_CONTROL_H

#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* The control address of the running fake, or NULL on a real cluster. */
static inline const char *ctl_addr(void){
  const char *z = getenv("TITO_FAKE_CONTROL");
  return (z && z[0]) ? z : NULL;
}

/* Connect to "host:port"; returns a socket or -1. */
static inline int ctl_connect(const char *zAddr){
  char zHost[256];
  const char *zColon = strrchr(zAddr, ':');
  struct addrinfo hints, *res = NULL, *ai;
  int fd = -1;
  size_t n;
  if( zColon==NULL ) return -1;
  n = (size_t)(zColon - zAddr);
  if( n==0 || n>=sizeof(zHost) ) return -1;
  memcpy(zHost, zAddr, n);
  zHost[n] = 0;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if( getaddrinfo(zHost, zColon+1, &hints, &res)!=0 ) return -1;
  for(ai=res; ai; ai=ai->ai_next){
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if( fd<0 ) continue;
    if( connect(fd, ai->ai_addr, ai->ai_addrlen)==0 ) break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if( fd>=0 ){
    struct timeval tv = {30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  return fd;
}

/* Send one command, read one reply line. 0 = ok, 1 = err, -1 = I/O failure. */
static inline int ctl(const char *zAddr, const char *zCmd, char *zReply, int nReply){
  char buf[65536];
  size_t nBuf = 0, nCmd = strlen(zCmd), off = 0;
  int fd, rc = -1;
  if( zReply && nReply>0 ) zReply[0] = 0;
  if( zAddr==NULL || (fd = ctl_connect(zAddr))<0 ) return -1;
  while( off<nCmd ){
    ssize_t w = write(fd, zCmd+off, nCmd-off);
    if( w<=0 ){ close(fd); return -1; }
    off += (size_t)w;
  }
  if( write(fd, "\n", 1)!=1 ){ close(fd); return -1; }
  while( nBuf<sizeof(buf)-1 ){
    ssize_t r = read(fd, buf+nBuf, sizeof(buf)-1-nBuf);
    if( r<=0 ) break;
    nBuf += (size_t)r;
    if( memchr(buf, '\n', nBuf) ) break;
  }
  close(fd);
  buf[nBuf] = 0;
  if( strchr(buf, '\n')==NULL ) return -1;
  *strchr(buf, '\n') = 0;
  if( strncmp(buf, "ok", 2)==0 && (buf[2]==0 || buf[2]==' ') ){
    rc = 0;
    off = buf[2] ? 3 : 2;
  }else if( strncmp(buf, "err", 3)==0 ){
    rc = 1;
    off = buf[3] ? 4 : 3;
  }else{
    return -1;
  }
  if( zReply && nReply>0 ){
    snprintf(zReply, (size_t)nReply, "%s", buf+off);
  }
  return rc;
}

/* printf-style command to ctl_addr(). */
static inline int ctlf(char *zReply, int nReply, const char *zFmt, ...)
  __attribute__((format(printf, 3, 4)));
static inline int ctlf(char *zReply, int nReply, const char *zFmt, ...){
  char zCmd[4096];
  va_list ap;
  va_start(ap, zFmt);
  vsnprintf(zCmd, sizeof zCmd, zFmt, ap);
  va_end(ap);
  return ctl(ctl_addr(), zCmd, zReply, nReply);
}

/* Hex of n bytes into zOut (room for 2n+2 bytes); "-" for the empty key. */
static inline char *ctl_hex(const void *p, size_t n, char *zOut){
  static const char d[] = "0123456789abcdef";
  const unsigned char *a = (const unsigned char*)p;
  size_t i;
  if( n==0 ){ strcpy(zOut, "-"); return zOut; }
  for(i=0; i<n; i++){
    zOut[2*i] = d[a[i]>>4];
    zOut[2*i+1] = d[a[i]&15];
  }
  zOut[2*n] = 0;
  return zOut;
}

#endif /* TITO_TEST_TIKV_CONTROL_H */
