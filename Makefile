# Builds ngx_http_faas_module.so against Debian's nginx-dev tree (or any
# nginx source tree given as NGINX_SRC) and runs the tests.

SHELL      := /bin/bash
NGINX_SRC  ?= /usr/share/nginx/src
BUILD      := $(CURDIR)/build
MODULE     := $(BUILD)/ngx_http_faas_module.so
CC_OPT     := -O2 -Wall -Wextra -Wpointer-arith -Wno-unused-parameter -Werror
SOURCES    := config ngx_http_faas_module.c $(wildcard src/*.c src/*.h)

.PHONY: all module style test test-valgrind fuzz demo demo-stop clean

all: module

module: $(MODULE)

$(BUILD)/nginx/objs/Makefile: config
	rm -rf $(BUILD)/nginx
	mkdir -p $(BUILD)
	cp -r $(NGINX_SRC) $(BUILD)/nginx
	cd $(BUILD)/nginx \
	    && if [ -f conf_flags ]; then . ./conf_flags; fi \
	    && ./configure "$${NGX_CONF_FLAGS[@]}" --with-compat \
	        --with-cc-opt="$(CC_OPT)" --add-dynamic-module=$(CURDIR) \
	        > $(BUILD)/configure.log 2>&1 \
	    || { tail -20 $(BUILD)/configure.log; exit 1; }

$(MODULE): $(BUILD)/nginx/objs/Makefile $(SOURCES)
	$(MAKE) -C $(BUILD)/nginx -f objs/Makefile modules
	cp $(BUILD)/nginx/objs/ngx_http_faas_module.so $(MODULE).tmp
	mv -f $(MODULE).tmp $(MODULE)

# lines over 80 columns or tabs fail the build, as in lua-nginx-module's CI
style:
	@bad=$$(grep -nP '\t' ngx_http_faas_module.c src/*.[ch]; \
	        awk 'length > 80 { print FILENAME ":" FNR ": over 80 columns" }' \
	            ngx_http_faas_module.c src/*.[ch]); \
	if [ -n "$$bad" ]; then echo "$$bad"; echo "style: failed"; exit 1; fi; \
	echo "style: ok"

test: style module
	prove -r t/

# the whole suite again with nginx under valgrind's memcheck
test-valgrind: module
	FAAS_VALGRIND=1 prove -r t/

# libFuzzer targets of the parsers, each for SECONDS (fetches nginx's
# sources with apt-get source on first use; needs clang)
fuzz:
	$(MAKE) -C fuzz run SECONDS=$(or $(SECONDS),60)

demo: module
	demo/run

demo-stop:
	demo/stop

clean:
	rm -rf $(BUILD) t/servroot*
