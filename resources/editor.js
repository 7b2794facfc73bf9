/*
 * The editor helper shared by the six dialogs of @audience-export/node-red-audience-export: the
 * connection dialog's "Authenticate with …", paste-the-code, "Test connection", host-change guard and
 * save, and the export dialog's approval badge, audience picker and approve-on-save. Served by
 * Node-RED from the package's resources/ folder and included by each nodes/*.html with a relative
 * <script src="resources/…">, which the editor loads (prefixed with its admin root) before that file's
 * own scripts run. Every call is a relative URL, so the editor's bearer token and httpAdminRoot apply.
 * Every text that comes from a platform or an error is shown as text, never as HTML.
 */
(function () {
    'use strict';
    window.audienceExportEditor = window.audienceExportEditor || (function () {
        /** The editor's placeholder for a stored password it does not show. */
        var UNCHANGED = '__PWRD__';
        var CONFIG = '#node-config-input-';

        function base() {
            return location.origin + location.pathname.replace(/\/$/, '');
        }
        function errorText(node, xhr) {
            var body = xhr && xhr.responseJSON;
            if (body && body.error && body.error.message) {
                return String(body.error.message);
            }
            return node._('audience-export.editor.requestFailed', { status: xhr ? xhr.status : 0 });
        }
        /** RED.notify renders a string as HTML: give it an element holding the text. */
        function notifyText(text, type) {
            RED.notify($('<p/>').text(text), type);
        }
        function post(url, body) {
            return $.ajax({ url: url, type: 'POST', data: JSON.stringify(body), contentType: 'application/json; charset=utf-8', dataType: 'json' });
        }
        function typedSecret(input) {
            var value = input.val();
            return typeof value === 'string' && value !== '' && value !== UNCHANGED ? value : undefined;
        }
        /** A connection as the editor holds it (deployed or not): type, scope, consent and settings, never secrets. */
        function connectionConfigOf(id) {
            var found = RED.nodes.node(id);
            var config = {};
            if (!found) { return undefined; }
            Object.keys(found._def.defaults || {}).forEach(function (name) {
                var value = found[name];
                if (value === null || ['string', 'number', 'boolean'].indexOf(typeof value) !== -1) { config[name] = value; }
            });
            config.type = found.type;
            config.id = found.id;
            return config;
        }
        function canApprove() {
            return !RED.settings.user || RED.user.hasPermission('audience-export.admin');
        }

        /**
         * Connection dialog: "Authenticate with …", paste-the-code, "Test connection", the host-change
         * guard. Every request carries the dialog's values as typed (hosts, consent, secrets): a stored
         * secret is used by the server only for the hosts it was entered for.
         */
        function connectionPanel(node, options) {
            var panel = $('#' + options.type + '-signin');
            var message = panel.find('.audience-export-message');
            var hostsTip = $('#' + options.type + '-hosts-changed');
            var state = null;
            var original = {};
            options.hosts.forEach(function (name) { original[name] = $(CONFIG + name).val(); });
            function show(text, ok) {
                message.text(text).css('color', ok === false ? 'var(--red-ui-text-color-error, #b00)' : '');
            }
            function body() {
                var result = { type: options.type, scope: $(CONFIG + 'scope').val(), consent: $(CONFIG + 'consent').prop('checked'), redirectUri: base() + '/audience-export/auth/callback' };
                options.settings.forEach(function (name) { result[name] = $(CONFIG + name).val(); });
                var clientId = $(CONFIG + 'clientId').val();
                if (typeof clientId === 'string' && clientId !== '') { result.clientId = clientId; }
                options.secrets.forEach(function (name) {
                    var value = typedSecret($(CONFIG + name));
                    if (value !== undefined) { result[name] = value; }
                });
                return result;
            }
            /** Secrets go only to the hosts they were entered for: new hosts need them typed again. */
            function guardHosts() {
                var changed = options.hosts.some(function (name) { return $(CONFIG + name).val() !== original[name]; });
                options.secrets.forEach(function (name) {
                    var input = $(CONFIG + name);
                    var stored = node.credentials && node.credentials['has_' + name];
                    if (changed && input.val() === UNCHANGED) { input.val(''); }
                    if (!changed && input.val() === '' && stored) { input.val(UNCHANGED); }
                });
                hostsTip.toggle(changed);
            }
            function signedIn() {
                $(CONFIG + 'refreshToken').val(UNCHANGED);
                panel.find('.audience-export-paste').hide().find('.audience-export-code').val('');
                show(node._('audience-export.editor.authenticated'), true);
            }
            function onMessage(event) {
                var data = event.originalEvent.data;
                if (event.originalEvent.origin !== location.origin || !data || data.type !== 'audience-export-auth' || data.connectionId !== node.id) { return; }
                if (data.ok) { signedIn(); } else { show(node._('audience-export.editor.authFailed', { code: String(data.code || '') }), false); }
            }
            options.hosts.forEach(function (name) { $(CONFIG + name).on('change keyup', guardHosts); });
            hostsTip.hide();
            panel.find('.audience-export-authenticate span').text(node._('audience-export.editor.authenticate', { platform: options.platform }));
            $(window).off('message.audienceExport').on('message.audienceExport', onMessage);
            panel.find('.audience-export-authenticate').toggle(options.canSignIn()).on('click', function (e) {
                e.preventDefault();
                show(node._('audience-export.editor.opening'));
                post('audience-export/auth/' + encodeURIComponent(node.id) + '/start', body()).done(function (answer) {
                    state = answer.state;
                    window.open(answer.authorizeUrl, 'audience-export-auth', 'width=720,height=760');
                    show(node._('audience-export.editor.waiting'));
                    panel.find('.audience-export-paste').show();
                }).fail(function (xhr) { show(errorText(node, xhr), false); });
            });
            panel.find('.audience-export-paste').hide().find('button').on('click', function (e) {
                e.preventDefault();
                var code = panel.find('.audience-export-code').val().trim();
                if (!code || !state) { return; }
                post('audience-export/auth/' + encodeURIComponent(node.id) + '/code', { code: code, state: state }).done(signedIn)
                    .fail(function (xhr) { show(errorText(node, xhr), false); });
            });
            panel.find('.audience-export-test').on('click', function (e) {
                e.preventDefault();
                show(node._('audience-export.editor.testing'));
                post('audience-export/test/' + encodeURIComponent(node.id), body()).done(function (answer) {
                    if (answer.ok) { show(node._('audience-export.editor.testOk', { identity: String(answer.identity) }), true); } else { show(String(answer.error.message), false); }
                }).fail(function (xhr) { show(errorText(node, xhr), false); });
            });
            return { body: body };
        }

        /**
         * Connection dialog's oneditsave: secrets typed now are pinned to the hosts typed now (that is
         * how an administrator moves a connection), and an administrator's save approves the connection.
         */
        function saveConnection(node, options, panel) {
            var body = panel.body();
            var typed = options.secrets.some(function (name) { return body[name] !== undefined; });
            if (typed) {
                post('audience-export/pins/' + encodeURIComponent(node.id), body).fail(function (xhr) {
                    notifyText(node._('audience-export.editor.pinFailed') + ' ' + errorText(node, xhr), 'warning');
                });
            }
            if (RED.settings.user && canApprove()) {
                var config = { type: options.type, scope: body.scope, consent: body.consent };
                options.settings.forEach(function (name) { config[name] = body[name]; });
                post('audience-export/connection-approvals/' + encodeURIComponent(node.id), config).fail(function (xhr) {
                    notifyText(node._('audience-export.editor.approvalFailed') + ' ' + errorText(node, xhr), 'warning');
                });
            }
        }

        /** Export dialog: the approval badge and, where the platform lists them, the audience picker. */
        function exportPanel(node, options) {
            var badge = $('#' + options.type + '-approval');
            if (RED.settings.user) {
                $.getJSON('audience-export/approvals/' + encodeURIComponent(node.id)).done(function (answer) {
                    if (!answer.required) { badge.text(''); return; }
                    badge.text(node._(answer.approved ? 'audience-export.editor.approved' : (canApprove() ? 'audience-export.editor.approveOnSave' : 'audience-export.editor.notApproved')));
                });
            }
            if (!options.picker) { return; }
            var list = $('#' + options.type + '-audiences').hide();
            $('#' + options.type + '-pick').on('click', function (e) {
                e.preventDefault();
                var connection = $('#node-input-connection').val();
                if (!connection || connection === '_ADD_') { return; }
                var query = {};
                options.picker.forEach(function (name) { query[name] = $('#node-input-' + name).val(); });
                post('audience-export/audiences/' + encodeURIComponent(connection), { connection: connectionConfigOf(connection) || {}, query: query }).done(function (audiences) {
                    list.empty().append($('<option/>', { value: '' }).text(node._('audience-export.editor.pick', { count: audiences.length })));
                    audiences.forEach(function (a) { list.append($('<option/>', { value: String(a.id) }).text(String(a.name) + ' (' + String(a.id) + ')')); });
                    list.show();
                }).fail(function (xhr) { notifyText(errorText(node, xhr), 'error'); });
            });
            list.on('change', function () {
                if (list.val()) { $('#node-input-audienceId').val(list.val()).trigger('change'); }
            });
        }

        /** oneditsave runs before the editor copies the inputs: read the approval-relevant values from them. */
        function approveOnSave(node, options) {
            if (!canApprove()) { return; }
            var config = { id: node.id, type: options.type, segments: node.segments };
            options.fields.forEach(function (name) {
                var input = $('#node-input-' + name);
                config[name] = input.attr('type') === 'checkbox' ? input.prop('checked') : input.val();
            });
            (options.numbers || []).forEach(function (name) { config[name] = node[name]; });
            config.connectionConfig = connectionConfigOf(config.connection);
            if (!config.connectionConfig) { return; }
            post('audience-export/approvals/' + encodeURIComponent(node.id), config).done(function (answer) {
                // The connection changed since an administrator approved it: that needs a look at the connection itself.
                if (answer && answer.connectionApproved === false) { notifyText(node._('audience-export.editor.connectionNotApproved'), 'warning'); }
            }).fail(function (xhr) {
                notifyText(node._('audience-export.editor.approvalFailed') + ' ' + errorText(node, xhr), 'warning');
            });
        }
        return { connectionPanel: connectionPanel, saveConnection: saveConnection, exportPanel: exportPanel, approveOnSave: approveOnSave };
    })();
})();
