/*
 * The editor helper shared by the six dialogs of @audience-export/node-red-audience-export: the
 * connection dialog's "Authenticate with …", paste-the-code and "Test connection", and the export
 * dialog's approval badge, audience picker and approve-on-save. Served by Node-RED from the package's
 * resources/ folder and included by each nodes/*.html with a relative <script src="resources/…">,
 * which the editor loads (prefixed with its admin root) before that file's own scripts run.
 * Every call is a relative URL, so the editor's bearer token and httpAdminRoot apply.
 */
(function () {
    'use strict';
    window.audienceExportEditor = window.audienceExportEditor || (function () {
        function base() {
            return location.origin + location.pathname.replace(/\/$/, '');
        }
        function errorText(node, xhr) {
            var body = xhr && xhr.responseJSON;
            if (body && body.error && body.error.message) {
                return body.error.message;
            }
            return node._('audience-export.editor.requestFailed', { status: xhr ? xhr.status : 0 });
        }
        function post(url, body) {
            return $.ajax({ url: url, type: 'POST', data: JSON.stringify(body), contentType: 'application/json; charset=utf-8', dataType: 'json' });
        }
        /** Connection dialog: "Authenticate with …", paste-the-code, "Test connection". */
        function connectionPanel(node, options) {
            var prefix = '#node-config-input-';
            var panel = $('#' + options.type + '-signin');
            var message = panel.find('.audience-export-message');
            var state = null;
            function show(text, ok) {
                message.text(text).css('color', ok === false ? 'var(--red-ui-text-color-error, #b00)' : '');
            }
            function connectionBody() {
                var body = { type: options.type, scope: $(prefix + 'scope').val(), redirectUri: base() + '/audience-export/auth/callback' };
                options.settings.forEach(function (name) { body[name] = $(prefix + name).val(); });
                ['clientId', 'clientSecret', 'developerToken'].forEach(function (name) {
                    var value = $(prefix + name).val();
                    if (typeof value === 'string' && value !== '' && value !== '__PWRD__') { body[name] = value; }
                });
                return body;
            }
            function signedIn() {
                $(prefix + 'refreshToken').val('__PWRD__');
                show(node._('audience-export.editor.authenticated'), true);
            }
            function onMessage(event) {
                var data = event.originalEvent.data;
                if (event.originalEvent.origin !== location.origin || !data || data.type !== 'audience-export-auth' || data.connectionId !== node.id) { return; }
                if (data.ok) { signedIn(); } else { show(node._('audience-export.editor.authFailed', { code: data.code || '' }), false); }
            }
            panel.find('.audience-export-authenticate span').text(node._('audience-export.editor.authenticate', { platform: options.platform }));
            $(window).off('message.audienceExport').on('message.audienceExport', onMessage);
            panel.find('.audience-export-authenticate').toggle(options.canSignIn()).on('click', function (e) {
                e.preventDefault();
                show(node._('audience-export.editor.opening'));
                post('audience-export/auth/' + encodeURIComponent(node.id) + '/start', connectionBody()).done(function (answer) {
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
                post('audience-export/auth/' + encodeURIComponent(node.id) + '/code', { code: code, state: state }).done(function () {
                    panel.find('.audience-export-code').val('');
                    signedIn();
                }).fail(function (xhr) { show(errorText(node, xhr), false); });
            });
            panel.find('.audience-export-test').on('click', function (e) {
                e.preventDefault();
                show(node._('audience-export.editor.testing'));
                post('audience-export/test/' + encodeURIComponent(node.id), connectionBody()).done(function (answer) {
                    if (answer.ok) { show(node._('audience-export.editor.testOk', { identity: answer.identity }), true); } else { show(answer.error.code + ': ' + answer.error.message, false); }
                }).fail(function (xhr) { show(errorText(node, xhr), false); });
            });
        }
        function canApprove() {
            return !RED.settings.user || RED.user.hasPermission('audience-export.admin');
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
                var query = {};
                options.picker.forEach(function (name) { query[name] = $('#node-input-' + name).val(); });
                if (!connection || connection === '_ADD_') { return; }
                $.getJSON('audience-export/audiences/' + encodeURIComponent(connection), query).done(function (audiences) {
                    list.empty().append($('<option/>', { value: '' }).text(node._('audience-export.editor.pick', { count: audiences.length })));
                    audiences.forEach(function (a) { list.append($('<option/>', { value: a.id }).text(a.name + ' (' + a.id + ')')); });
                    list.show();
                }).fail(function (xhr) { RED.notify(errorText(node, xhr), 'error'); });
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
            post('audience-export/approvals/' + encodeURIComponent(node.id), config).fail(function (xhr) {
                RED.notify(node._('audience-export.editor.approvalFailed') + ' ' + errorText(node, xhr), 'warning');
            });
        }
        return { connectionPanel: connectionPanel, exportPanel: exportPanel, approveOnSave: approveOnSave };
    })();
})();
