// packaging/openwrt/luci-app-vantage/.../view/vantage/dashboard.js - Services > vantage: where
// vantaged's web dashboard is, a link to it, and the UCI options that turn it on.
//
// The dashboard is not embedded: it forbids framing (frame-ancestors 'none', X-Frame-Options
// DENY), so that no other page - LuCI included - can overlay it; a link opens it in a tab.
'use strict';
'require view';
'require form';
'require uci';

// The URL a browser on the LAN uses: the configured address, or this router's host name when
// the dashboard listens on every address.
function dashboardUrl(listen) {
	var m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(listen) || [null, listen, '8053'];
	var host = m[1], port = m[2];
	if (host === '0.0.0.0' || host === '::' || host === '')
		host = window.location.hostname;
	else if (host.indexOf(':') >= 0)
		host = '[' + host + ']';
	return 'http://' + host + ':' + port + '/';
}

return view.extend({
	load: function() {
		return uci.load('vantage');
	},

	render: function() {
		var listen = uci.get('vantage', 'main', 'dashboard_listen') || '';
		var m, s, o, link;

		if (listen) {
			var url = dashboardUrl(listen);
			link = E('p', {}, [
				_('The dashboard shows the status, the verdicts per minute, the recent dissents and refusals with each mirror\'s answer, the clients and the mirrors: '),
				E('a', { 'href': url, 'target': '_blank', 'rel': 'noopener noreferrer' }, url)
			]);
		} else {
			link = E('p', {}, _('The dashboard is off: set its address below (e.g. the LAN address with port 8053), save and apply.'));
		}

		m = new form.Map('vantage', _('vantage'),
			_('vantaged cross-checks DNS answers with remote secure mirrors and refuses the ones they contradict.'));
		s = m.section(form.NamedSection, 'main', 'vantaged', _('Web dashboard'));
		s.anonymous = true;
		o = s.option(form.Value, 'dashboard_listen', _('Address'),
			_('Address and port the dashboard listens on; empty turns it off. It is read-only.'));
		o.datatype = 'ipaddrport(1)';
		o.placeholder = '192.168.1.1:8053';
		o.rmempty = true;
		o = s.option(form.DynamicList, 'dashboard_allow', _('Allowed clients'),
			_('Prefixes that may open the dashboard.'));
		o.datatype = 'cidr';
		o = s.option(form.DynamicList, 'dashboard_hostname', _('Host names'),
			_('Names a browser may use for the router besides its address (requests naming other hosts are refused, against DNS rebinding).'));
		o.datatype = 'hostname';
		return m.render().then(function(mapEl) {
			return E('div', {}, [ link, mapEl ]);
		});
	}
});
