# Builds ngx_http_faas_module.so against Debian's nginx-dev tree (or any
# nginx source tree given as NGINX_SRC) and runs the tests.
#
# Another nginx: make NGINX_SRC=/path/nginx-1.31.4 BUILD=/path/build module
# configures that tree with its conf_flags (Debian's trees) or else with
# NGINX_CONF_FLAGS (give the configure arguments "nginx -V" shows), always
# with --with-compat and CC_OPT added to the tree's own --with-cc-opt;
# FAAS_NGINX=/path/sbin/nginx make test BUILD=... runs the suite with that
# nginx and the module built there.

SHELL      := /bin/bash
NGINX_SRC  ?= /usr/share/nginx/src
NGINX_CONF_FLAGS ?= --with-http_ssl_module --with-threads
BUILD      ?= $(CURDIR)/build
MODULE     := $(BUILD)/ngx_http_faas_module.so
CC_OPT     := -O2 -Wall -Wextra -Wpointer-arith -Wno-unused-parameter -Werror
SOURCES    := config ngx_http_faas_module.c $(wildcard src/*.c src/*.h)
NGINX_SUITE ?= sid
FAAS_MODULE ?= $(MODULE)

.PHONY: all module style test test-valgrind check-compile fuzz demo \
        demo-stop clean FORCE

all: module

module: $(MODULE)

# the tree and flags built against: another NGINX_SRC reconfigures
$(BUILD)/nginx-src: FORCE
	@mkdir -p $(BUILD)
	@echo '$(NGINX_SRC) $(NGINX_CONF_FLAGS)' | cmp -s - $@ \
	    || echo '$(NGINX_SRC) $(NGINX_CONF_FLAGS)' > $@

# a release tree has ./configure, a git checkout auto/configure
$(BUILD)/nginx/objs/Makefile: config $(BUILD)/nginx-src
	rm -rf $(BUILD)/nginx
	mkdir -p $(BUILD)
	cp -r $(NGINX_SRC) $(BUILD)/nginx
	cd $(BUILD)/nginx \
	    && NGX_CONF_FLAGS=($(NGINX_CONF_FLAGS)) \
	    && if [ -f conf_flags ]; then . ./conf_flags; fi \
	    && flags=() && cc_opt="$(CC_OPT)" \
	    && for f in "$${NGX_CONF_FLAGS[@]}"; do \
	        case "$$f" in \
	        --with-cc-opt=*) cc_opt="$${f#--with-cc-opt=} $$cc_opt" ;; \
	        *) flags+=("$$f") ;; \
	        esac; \
	    done \
	    && configure=./configure \
	    && if [ ! -f configure ]; then configure=auto/configure; fi \
	    && $$configure "$${flags[@]}" --with-compat \
	        --with-cc-opt="$$cc_opt" --add-dynamic-module=$(CURDIR) \
	        > $(BUILD)/configure.log 2>&1 \
	    || { tail -20 $(BUILD)/configure.log; exit 1; }

$(MODULE): $(BUILD)/nginx/objs/Makefile $(SOURCES)
	$(MAKE) -C $(BUILD)/nginx -f objs/Makefile modules
	cp $(BUILD)/nginx/objs/ngx_http_faas_module.so $(MODULE).tmp
	mv -f $(MODULE).tmp $(MODULE)

# lines over 80 columns or tabs fail the build, as in lua-nginx-module's
# CI; so does a call against the order of the layers (README.md,
# "Architecture"), read from the built objects
style: $(MODULE)
	@bad=$$(grep -nP '\t' ngx_http_faas_module.c src/*.[ch]; \
	        awk 'length > 80 { print FILENAME ":" FNR ": over 80 columns" }' \
	            ngx_http_faas_module.c src/*.[ch]); \
	if [ -n "$$bad" ]; then echo "$$bad"; echo "style: failed"; exit 1; fi
	@perl t/lib/layers.pl $(BUILD)/nginx/objs/addon/* \
	    || { echo "style: failed"; exit 1; }
	@echo "style: ok"

# the build, then style and layers, then the tests
test: module style
	FAAS_MODULE=$(FAAS_MODULE) prove -r t/

# compiles against the nginx-dev package of another Debian suite
check-compile:
	.ci/check-compile $(NGINX_SUITE)

# the whole suite again with nginx under valgrind's memcheck
test-valgrind: module
	FAAS_MODULE=$(FAAS_MODULE) FAAS_VALGRIND=1 prove -r t/

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
