/*
** test_fake_control.c: the control channel helper (control.h) against the
** fake cluster started by client_test.sh. Skipped on a real cluster.
**
** It checks the replies the client tests rely on: region listing and split
** (new ids, bumped versions), leader moves, fault arming and refusal,
** stats, the crash marker, clock advance and the error paths of ctl().
*/
#include "check.h"
#include "control.h"
#include <stdlib.h>
#include <string.h>

/* Count the space-separated items of a reply. */
static int n_items(const char *z){
  int n = 0, in = 0;
  for(; *z; z++){
    if( *z==' ' ) in = 0;
    else if( !in ){ in = 1; n++; }
  }
  return n;
}

static void test_basics(void){
  char r[4096];
  CHECK( ctlf(r, sizeof r, "ping")==0 && strcmp(r, "pong")==0 );
  CHECK( ctlf(r, sizeof r, "no_such_command")==1 && strstr(r, "unknown command") );
  CHECK( ctl("127.0.0.1:1", "ping", r, sizeof r)==-1 );
  CHECK( ctl("nonsense", "ping", r, sizeof r)==-1 );
  CHECK( ctlf(r, sizeof r, "stores")==0 && n_items(r)==3 );
  check_group("control: ping, errors, stores");
}

static void test_split_and_leader(void){
  char r[4096], hex[64];
  unsigned long long left = 0, right = 0, id = 0;
  int leader = 0, version = 0, target, n0;
  CHECK( ctlf(r, sizeof r, "regions")==0 );
  n0 = n_items(r);
  CHECK( n0>=1 );
  CHECK( ctlf(r, sizeof r, "split %s", ctl_hex("key-j", 5, hex))==0 );
  CHECK( sscanf(r, "%llu:%llu", &left, &right)==2 && left!=right );
  CHECK( ctlf(r, sizeof r, "regions")==0 && n_items(r)==n0+1 );
  CHECK( ctlf(r, sizeof r, "region_of %s", ctl_hex("key-k", 5, hex))==0 );
  CHECK( sscanf(r, "%llu %d %d", &id, &leader, &version)==3 );
  CHECK( id==right && version>=2 );
  target = leader==1 ? 2 : 1;
  CHECK( ctlf(r, sizeof r, "move_leader %llu %d", id, target)==0 );
  CHECK( ctlf(r, sizeof r, "region_of %s", hex)==0 );
  CHECK( sscanf(r, "%llu %d %d", &id, &leader, &version)==3 && leader==target );
  CHECK( ctlf(r, sizeof r, "split %s", hex)==0 );        /* key-k: a new boundary */
  CHECK( ctlf(r, sizeof r, "split %s", hex)==1 );        /* not twice */
  CHECK( ctlf(r, sizeof r, "split %s", ctl_hex("", 0, hex))==1 );
  check_group("control: split, region_of, move_leader");
}

static void test_faults_and_stats(void){
  char r[4096];
  CHECK( ctlf(r, sizeof r, "fault KvGet NotLeader 2")==0 );
  CHECK( ctlf(r, sizeof r, "fault KvPrewrite Delay:100 1 2")==0 );
  CHECK( ctlf(r, sizeof r, "fault KvGet Nonsense 1")==1 );
  CHECK( ctlf(r, sizeof r, "fault Tso ServerIsBusy 1")==1 );
  CHECK( ctlf(r, sizeof r, "clear_faults")==0 );
  CHECK( ctlf(r, sizeof r, "crash_after_prewrite %s", "6b")==0 );
  CHECK( ctlf(r, sizeof r, "advance_time 1000")==0 && atoi(r)>=1000 );
  CHECK( ctlf(r, sizeof r, "set_ttl_clock 10")==1 );     /* the clock never goes back */
  CHECK( ctlf(r, sizeof r, "dump_locks")==0 && strcmp(r, "0")==0 );
  CHECK( ctlf(r, sizeof r, "stats_reset")==0 );
  CHECK( ctlf(r, sizeof r, "stats")==0 && r[0]==0 );
  CHECK( ctlf(r, sizeof r, "get %s", "6b")==0 && strcmp(r, "notfound")==0 );
  check_group("control: faults, clock, locks, stats");
}

int main(void){
  if( ctl_addr()==NULL ){
    printf("ok - control channel # skip no fake cluster (TITO_FAKE_CONTROL unset)\n");
    return 0;
  }
  test_basics();
  test_split_and_leader();
  test_faults_and_stats();
  return check_exit();
}
