# SPDX-License-Identifier: GPL-3.0-or-later
# Two conveniences around meson; everything else is `meson` and `ninja`.
BUILDDIR ?= build

.PHONY: run test

$(BUILDDIR)/build.ninja:
	@build-aux/install-deps
	meson setup $(BUILDDIR)

# The window on the thesis lesson; with no display (no $DISPLAY nor
# $WAYLAND_DISPLAY) the same session in the terminal, and how to get the
# window.  The uninstalled window finds its settings schema and
# translations in the build directory.
run: $(BUILDDIR)/build.ninja
	@build-aux/install-deps
	ninja -C $(BUILDDIR)
	@if [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
	  GSETTINGS_SCHEMA_DIR=$(BUILDDIR)/data POCHTA_LOCALEDIR=$(BUILDDIR)/po \
	    $(BUILDDIR)/app/pochta --lesson seed-session; \
	else \
	  $(BUILDDIR)/app/pochta-cli play; \
	  echo; \
	  echo "No display here (DISPLAY and WAYLAND_DISPLAY are unset), so the lesson played in the terminal."; \
	  echo "For the window, run 'make run' in a desktop session, or start it yourself:"; \
	  echo "  GSETTINGS_SCHEMA_DIR=$(BUILDDIR)/data $(BUILDDIR)/app/pochta"; \
	fi

test: $(BUILDDIR)/build.ninja
	@build-aux/install-deps
	ninja -C $(BUILDDIR)
	meson test -C $(BUILDDIR) --print-errorlogs
