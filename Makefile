# cachepg: PGXS build.  `make && make install`; tests run through test/run.
MODULE_big = cachepg
OBJS = src/cachepg.o src/store.o src/key.o src/result.o src/deps.o src/run.o src/views.o src/marks.o src/watch.o src/ddl.o src/twophase.o src/keydeps.o src/worker.o src/flight.o src/transparent.o
EXTENSION = cachepg
DATA = cachepg--1.0.sql cachepg--1.0--1.1.sql cachepg--1.1--1.2.sql cachepg--1.2--1.3.sql cachepg--1.3--1.4.sql cachepg--1.4--1.5.sql cachepg--1.5--1.6.sql
PGFILEDESC = "cachepg - shared-memory cache of query results"

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies: rebuild every object when a header changes.
$(OBJS): $(wildcard src/*.h)
